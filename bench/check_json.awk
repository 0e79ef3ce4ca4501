# check_json.awk -- validates mlpblas-bench --json output: every line one
# object with the documented fields, every figure a positive finite number.
# Prints the first problem and exits 1; exits 0 on success. -v want=N demands N lines.
function fail(msg) {
    printf "check_json: line %d: %s\n", NR, msg > "/dev/stderr"
    bad = 1
    exit 1
}
function field(key,    re, s) {
    re = "\"" key "\":"
    if (!match($0, re))
        fail("missing field " key)
    s = substr($0, RSTART + RLENGTH)
    if (substr(s, 1, 1) == "[") {
        if (!match(s, /^\[[^]]*\]/))
            fail("bad array for " key)
    } else if (substr(s, 1, 1) == "\"") {
        if (!match(s, /^"[^"]*"/))
            fail("bad string for " key)
    } else if (!match(s, /^[^,}]*/)) {
        fail("bad value for " key)
    }
    return substr(s, RSTART, RLENGTH)
}
function positive(key,    v) {
    v = field(key)
    if (v !~ /^[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/)
        fail(key " is not a finite non-negative number: " v)
    if (v + 0 <= 0)
        fail(key " is not positive: " v)
}
BEGIN { n = 0; bad = 0 }
{
    n++
    if ($0 !~ /^\{.*\}$/)
        fail("not one JSON object")
    if (field("case") !~ /^".+"$/)
        fail("empty case name")
    mode = field("mode")
    if (mode != "\"train\"" && mode != "\"forward\"")
        fail("mode is neither train nor forward: " mode)
    modes[mode]++
    if (field("hidden") !~ /^\[[0-9]+(,[0-9]+)*\]$/)
        fail("hidden is not a list of widths")
    split("batch inputs outputs samples_per_s gflops floor_samples_per_s floor_gflops " \
          "floor_ratio peak_gflops peak_ratio median_s min_s floor_median_s floor_min_s " \
          "flops threads max_rss_kib", keys, " ")
    for (i = 1; i in keys; i++)
        positive(keys[i])
    if (field("min_s") + 0 > field("median_s") + 0)
        fail("min_s exceeds median_s")
}
END {
    if (bad)
        exit 1
    if (want != "" && n != want + 0) {
        printf "check_json: %d lines, expected %d\n", n, want > "/dev/stderr"
        exit 1
    }
    if (n > 0 && modes["\"train\""] != modes["\"forward\""]) {
        print "check_json: train and forward lines do not pair up" > "/dev/stderr"
        exit 1
    }
}
