# embed.cmake -- cmake -DIN=file -DOUT=file.c -P embed.cmake: write a C source
# holding the bytes of IN as cli_demo_csv (declared in cmd/demo_data.h).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n2)
math(EXPR n "${n2} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
       "\\1\n    " body "${body}")
get_filename_component(name "${IN}" NAME)
file(WRITE "${OUT}.tmp"
"/* Generated from ${name} by embed.cmake: do not edit. */
#include \"cmd/demo_data.h\"

const unsigned char cli_demo_csv[] = {
    ${body}0x00
};
const size_t cli_demo_csv_len = ${n};
")
file(RENAME "${OUT}.tmp" "${OUT}")
