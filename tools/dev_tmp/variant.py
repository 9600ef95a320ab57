import sys, json, time
from i2ilib import book_runs
from i2ilib.experiment import train_translation
for ep in (20, 40):
    name, cfg = book_runs.cyclegan_scenes("book")
    cfg["trainer"]["n_epochs"] = ep // 2; cfg["trainer"]["n_epochs_decay"] = ep // 2
    t = time.time(); out = train_translation(cfg, progress=False)
    print("VARIANT cyclegan epochs", ep, json.dumps(out.metrics), round(time.time() - t, 1), flush=True)
    out.figure.savefig(f"{sys.argv[1]}/cyc_ep{ep}.png", dpi=90)
