# json.sh -- the one JSON shape of train, eval and demo (docs/cli.md): every
# object parsed and checked member by member against json-shape.txt,
# json-train.txt and json-metrics.txt; nulls where nothing exists.
. "$(dirname "$0")/lib.sh"
SHAPES=$(dirname "$0")
[ "${SHAPES#/}" != "$SHAPES" ] || SHAPES=$OLDPWD/$SHAPES

# block FILE PATH: the metrics block at PATH has the documented members.
block() {
    sed "s/^BLOCK/$2/" "$SHAPES/json-metrics.txt" >block.txt
    "$JSON" @block.txt <"$1" || fail "$1: $2 is not a metrics block"
}
# is FILE PATH VALUE
is() {
    [ "$(json_get "$1" "$2")" = "$3" ] || fail "$1: $2 is '$(json_get "$1" "$2")', not '$3'"
}

# ---- train with validation
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m.mlpb --epochs 12 --patience 0 --json \
    --hidden 16,8 --ensemble 1 --batch 20 --lr 0.01 --schedule cosine --weight-decay 0.001 \
    --val-split 0.2 --seed 9 --threads 1
cp out.txt train.json
"$JSON" "@$SHAPES/json-shape.txt" "@$SHAPES/json-train.txt" <train.json || fail "train shape"
block train.json metrics.validation
is train.json command train
is train.json metrics.test null
is train.json model.architecture 4-16-8-1
is train.json model.path m.mlpb
is train.json config.hidden '[16,8]'
is train.json config.epochs 12
is train.json config.patience 0
# --min-delta: no loss is below the first minus 1000, so epoch 1 stays the
# best and patience 2 stops after epoch 3.
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out md.mlpb --epochs 12 --patience 2 --json \
    --min-delta 1000 --ensemble 1 --no-refit --seed 9 --threads 1
is out.txt config.min_delta 1000
is out.txt training.best_epoch 1
is out.txt training.epochs_run 3
is out.txt training.stopped_early true
is train.json config.batch 20
is train.json config.lr 0.01
is train.json config.schedule cosine
is train.json config.weight_decay 0.001
is train.json config.val_split 0.200000003
is train.json config.seed 9
is train.json config.threads 1
is train.json config.pos_weight.requested 1
is train.json config.pos_weight.used '[1]'
is train.json mlpblas.version "$VERSION"
is train.json training.epochs_run 12
is train.json training.validation_rows 40
is train.json training.train_rows 200 # the refit's: all rows
# one history record an epoch, in order, each with validation metrics
for e in 1 6 12; do
    is train.json "training.history.$((e - 1)).epoch" "$e"
done
"$JSON" training.history.12 <train.json 2>/dev/null && fail "more history than epochs"
"$JSON" 'training.history.[].val_loss:number' 'training.history.[].val.auc:number' \
    'training.history.[].val.accuracy:number' <train.json || fail "history without validation"
best=$(json_get train.json training.best_epoch)
at_least "$best" 1 "best_epoch"
# the best validation loss is the history's lowest
low=$("$JSON" training.history <train.json | tr '{' '\n' |
      awk -F'"val_loss":' 'NF > 1 { split($2, a, ","); if (min == "" || a[1] + 0 < min) min = a[1] + 0 } END { print min }')
awk -v a="$low" -v b="$(json_get train.json training.best_val_loss)" \
    'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' || fail "best_val_loss is not the lowest"

# ---- without validation: nulls, not zeros
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out m0.mlpb --epochs 3 --val-split 0 --json
cp out.txt noval.json
"$JSON" "@$SHAPES/json-shape.txt" "@$SHAPES/json-train.txt" <noval.json || fail "no-val shape"
is noval.json training.best_epoch null
is noval.json training.best_val_loss null
is noval.json metrics.validation null
is noval.json training.validation_rows 0
"$JSON" 'training.history.[].val_loss:null' 'training.history.[].val:null' <noval.json ||
    fail "validation members of the history are not null"

# ---- pos_weight auto: what it chose, negatives / positives of the training rows
run 0 "$MLPBLAS" train "$DATA/binary.csv" --out ma.mlpb --epochs 2 --val-split 0 \
    --pos-weight auto --json
cp out.txt auto.json
is auto.json config.pos_weight.requested auto
pos=$(awk -F, '!/^#/ && NR > 2 && $5 == 1 { n++ } END { print n }' "$DATA/binary.csv")
want=$(awk -v p="$pos" 'BEGIN { printf "%.7g", (200 - p) / p }')
is auto.json config.pos_weight.used "[$want]"

# ---- eval: no configuration, no training, one block
run 0 "$MLPBLAS" eval m.mlpb "$DATA/binary.csv" --json
cp out.txt eval.json
"$JSON" "@$SHAPES/json-shape.txt" <eval.json || fail "eval shape"
block eval.json metrics.test
is eval.json command eval
is eval.json config null
is eval.json training null
is eval.json metrics.validation null
is eval.json metrics.test.rows 200
is eval.json model.architecture 4-16-8-1

# ---- multi-label eval: a per_output entry a label
run 0 "$MLPBLAS" train "$DATA/multi.csv" --label a,b --out multi.mlpb --epochs 3 --quiet
run 0 "$MLPBLAS" eval multi.mlpb "$DATA/multi.csv" --json
cp out.txt multi.json
block multi.json metrics.test
is multi.json metrics.test.per_output.1.label b
"$JSON" metrics.test.per_output.2 <multi.json 2>/dev/null && fail "a third output"

# ---- demo: validation and test blocks
run 0 "$MLPBLAS" demo --epochs 5 --json
cp out.txt demo.json
"$JSON" "@$SHAPES/json-shape.txt" "@$SHAPES/json-train.txt" <demo.json || fail "demo shape"
block demo.json metrics.validation
block demo.json metrics.test
is demo.json command demo
is demo.json model.path null
is demo.json metrics.test.rows 142
exit 0
