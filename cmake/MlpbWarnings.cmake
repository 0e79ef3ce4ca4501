# Warning, sanitizer and optional tuning flags, applied per target.
set(MLPB_WARNING_FLAGS
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wdouble-promotion -Wvla -Wformat=2 -Wcast-qual -Wpointer-arith -Wundef)

function(mlpb_target_warnings target)
    if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE ${MLPB_WARNING_FLAGS})
        if(MLPB_WERROR)
            target_compile_options(${target} PRIVATE -Werror)
        endif()
        if(MLPB_NATIVE)
            target_compile_options(${target} PRIVATE -march=native)
        endif()
    endif()
endfunction()

if(MLPB_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
endif()
