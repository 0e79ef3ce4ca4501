# defaults.sh -- the training defaults that depend on the data
# (docs/defaults.md): the hidden width from the number of outputs, AdamW's
# decay from the number of rows; --hidden and --weight-decay keep their
# meaning.
. "$(dirname "$0")/lib.sh"

# near X Y: the printed float X is Y within float rounding.
near() {
    awk -v x="$1" -v y="$2" 'BEGIN { d = x - y; if (d < 0) d = -d; exit !(d <= 1e-6 * y) }' ||
        fail "$3: $1, not $2"
}

# A binary label of 200 rows: 64 units, the library's decay. (--ensemble 1:
# the checks are about one network's shape.)
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out b.mlpb --epochs 1 --json --quiet --ensemble 1
[ "$(json_get out.txt model.architecture)" = "4-64-1" ] || fail "binary: not 64 units"
near "$(json_get out.txt config.weight_decay)" 0.1 "200 rows: decay"

# 10 classes, 1,000 rows: max(128, 8 x 10) units; 1,000 rows keep 0.1.
run 0 "$MLPBLAS" train "$DATA/digits.csv" --label digit --out d.mlpb --epochs 1 --json --quiet
[ "$(json_get out.txt model.architecture)" = "64-128-10" ] || fail "10 classes: not 128 units"
near "$(json_get out.txt config.weight_decay)" 0.1 "1,000 rows: decay"

# Two labels: two outputs, 128 units.
run 0 "$MLPBLAS" train "$DATA/multi.csv" --label a,b --out m.mlpb --epochs 1 --json --quiet \
    --ensemble 1
[ "$(json_get out.txt model.architecture)" = "4-128-2" ] || fail "2 labels: not 128 units"

# 20 classes: 8 units a class, 160.
awk 'BEGIN { print "x1,x2,class"; for (i = 0; i < 400; i++) print i % 7 "," i % 13 ",c" i % 20 }' \
    >k20.csv
run 0 "$MLPBLAS" train k20.csv --label class --out k.mlpb --epochs 1 --json --quiet --ensemble 1
[ "$(json_get out.txt model.architecture)" = "2-160-20" ] || fail "20 classes: not 160 units"

# 4,000 rows: 0.1 x 1000 / 4000 = 0.025 (and one network from 1,000 rows on).
awk 'BEGIN { print "x1,x2,y"; for (i = 0; i < 4000; i++) print i % 7 "," i % 13 "," (i % 7 + i % 13) % 2 }' \
    >big.csv
run 0 "$MLPBLAS" train big.csv --out g.mlpb --epochs 1 --json --quiet
near "$(json_get out.txt config.weight_decay)" 0.025 "4,000 rows: decay"
[ "$(json_get out.txt model.architecture)" = "2-64-1" ] || fail "4,000 rows: not 64 units"

# Given options win; another optimiser has no decay unless given.
run 0 "$MLPBLAS" train big.csv --out g.mlpb --epochs 1 --json --quiet --weight-decay 0.3 \
    --hidden 8
near "$(json_get out.txt config.weight_decay)" 0.3 "--weight-decay 0.3"
[ "$(json_get out.txt model.architecture)" = "2-8-1" ] || fail "--hidden 8"
run 0 "$MLPBLAS" train k20.csv --label class --out k.mlpb --epochs 1 --json --quiet --hidden 16,8 \
    --ensemble 1
[ "$(json_get out.txt model.architecture)" = "2-16-8-20" ] || fail "--hidden 16,8"
run 0 "$MLPBLAS" train big.csv --out g.mlpb --epochs 1 --json --quiet --optimizer adam
[ "$(json_get out.txt config.weight_decay)" = 0 ] || fail "adam: decay without --weight-decay"
run 0 "$MLPBLAS" train big.csv --out g.mlpb --epochs 1 --json --quiet --weight-decay 0
[ "$(json_get out.txt config.weight_decay)" = 0 ] || fail "--weight-decay 0"
# The ensemble's members (under 1,000 rows) are networks of the same width.
run 0 "$MLPBLAS" train k20.csv --label class --out k.mlpb --epochs 1 --json --quiet
[ "$(json_get out.txt config.hidden)" = "[160]" ] || fail "ensemble: members not 160 wide"
exit 0
