# check_json.awk -- validates mlpblas-bench --json output (throughput lines,
# or --memory lines): every line one object with the documented fields, every
# figure a positive finite number, the derived figures consistent with the
# measured ones. Prints the first problem and exits 1; exits 0 on success.
# -v want=N demands N lines.
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
function boolean(key,    v) {
    v = field(key)
    if (v != "true" && v != "false")
        fail(key " is not true or false: " v)
    return v
}
# A --memory line: sizes, budget, RSS and heap figures.
function memory_line(    i, mkeys) {
    split("batch inputs outputs rows epochs params state_bytes workspace_bytes data_bytes " \
          "budget_bytes limit_bytes rss_start_kib rss_blas_kib peak_rss_kib rss_end_kib " \
          "heap_peak_bytes heap_model_bytes heap_workspace_bytes heap_optim_bytes " \
          "heap_trainer_bytes heap_allocs heap_ratio rss_ratio train_s threads", mkeys, " ")
    for (i = 1; i in mkeys; i++)
        positive(mkeys[i])
    if (field("optimizer") != "\"adam\"")
        fail("optimizer is not adam")
    boolean("peak_reset")
    if (field("budget_bytes") + 0 != field("state_bytes") + field("workspace_bytes") + \
        field("data_bytes"))
        fail("budget_bytes is not state + workspace + data")
    if (field("state_bytes") + 0 != 16 * field("params"))
        fail("state_bytes is not params x 4 B x 4")
    if (field("heap_peak_bytes") + 0 != field("heap_model_bytes") + \
        field("heap_workspace_bytes") + field("heap_optim_bytes") + field("heap_trainer_bytes"))
        fail("heap_peak_bytes is not the sum of its parts")
    if (field("peak_rss_kib") + 0 < field("rss_blas_kib") + 0)
        fail("peak_rss_kib is below rss_blas_kib")
    if ((boolean("pass") == "true") != (field("rss_ratio") + 0 <= 1))
        fail("pass disagrees with rss_ratio")
}
BEGIN { n = 0; bad = 0 }
{
    n++
    if ($0 !~ /^\{.*\}$/)
        fail("not one JSON object")
    if (field("case") !~ /^".+"$/)
        fail("empty case name")
    mode = field("mode")
    if (field("hidden") !~ /^\[[0-9]+(,[0-9]+)*\]$/)
        fail("hidden is not a list of widths")
    if (mode == "\"memory\"") {
        memory_line()
        next
    }
    if (mode != "\"train\"" && mode != "\"forward\"")
        fail("mode is neither train, forward nor memory: " mode)
    modes[mode]++
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
