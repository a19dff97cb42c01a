#!/usr/bin/env python3
"""Writes N random JSON requests (one per line) for the AI diffusion policy, for
`edict eval --batch` throughput runs: gen_requests.py N [SEED] > requests.jsonl

The same seed gives the same file. Dates fall on or after the policy's effective date
(2025-01-13), so every request is in force."""
import datetime
import json
import random
import sys

COUNTRIES = ["US", "GB", "DE", "FR", "JP", "IN", "AE", "SG", "BR", "SA", "MX", "CN", "RU", "MO",
             "IR", "VN", "MY", "IL", "ZA", "KR", "TW", "ID", "TH", "EG", "NG"]
ITEMS = ["gpu", "gpu", "gpu", "closed_weights", "open_weights"]
END_USERS = ["none", "none", "uveu", "nveu"]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 42)
    effective = datetime.date(2025, 1, 13)
    dates = [(effective + datetime.timedelta(days=d)).isoformat() for d in range(352)]
    out = sys.stdout
    for i in range(n):
        item = rng.choice(ITEMS)
        req = {
            "input": {
                "destination": rng.choice(COUNTRIES),
                "headquarters": rng.choice(COUNTRIES),
                "consignee": "c%d" % rng.randrange(1000),
                "item": item,
                "tpp": rng.randrange(0, 50_000_000) if item == "gpu" else 0,
                "end_user": rng.choice(END_USERS),
                "training_ops": 0.0 if item == "gpu" else rng.choice([1e25, 5e25, 1e26, 3e26]),
            },
            "today": rng.choice(dates),
            "usage": {"tier2_allocation": rng.randrange(0, 800_000_000),
                      "lpp": rng.randrange(0, 27_000_000)},
            "id": "r%d" % i,
        }
        out.write(json.dumps(req, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
