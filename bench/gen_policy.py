#!/usr/bin/env python3
"""Writes a synthetic Edict policy with N rules (default 10,000) for front-end benchmarks.

The policy exercises what real policies use: an imported enum, tiers, lets, caps, exemptions
(including chains of exemptions) and rules mixing comparisons, sets and arithmetic.
  gen_policy.py [N] > big.edict
"""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
rng = random.Random(42)
countries = ["US", "GB", "FR", "DE", "IN", "BR", "CN", "RU", "JP", "KR", "SG", "AE", "SA", "IL"]
out = []
w = out.append
w(f'/// Synthetic policy with {n} rules (bench/gen_policy.py).')
w('policy big version "1" effective 2025-01-01;')
w('import std.iso3166;')
w('enum Item { gpu, cpu, weights, dataset }')
w('decision Outcome { allow, notify, license_required, deny }')
w('default allow;')
w('input {')
w('  destination: Country;')
w('  item: Item;')
w('  quantity: int;')
w('  price: float = 0.0;')
w('  customer: string = "";')
w('  vetted: bool = false;')
w('}')
w('tiers Band of int { small: < 100; medium: 100 ..< 10_000; large: >= 10_000; }')
w('let band = Band(quantity);')
w('let value = float(quantity) * price;')
caps = max(1, n // 1000)
for c in range(caps):
    w(f'cap cap{c} {{ limit: {rng.randint(1000, 100000)}; key: destination; window: year; '
      f'amount: quantity; applies: item == gpu; record: allow, notify; }}')
outcomes = ["notify", "license_required", "deny"]
for i in range(n):
    k = rng.randrange(5)
    dest = ", ".join(rng.sample(countries, rng.randint(1, 4)))
    if k == 0:
        cond = f"destination in {{{dest}}} and quantity > {rng.randint(1, 50000)}"
    elif k == 1:
        cond = f"item == {rng.choice(['gpu', 'cpu', 'weights', 'dataset'])} and band == {rng.choice(['small', 'medium', 'large'])}"
    elif k == 2:
        cond = f"value >= {rng.randint(1, 10**6)}.0 and not vetted"
    elif k == 3:
        cond = f"exceeds(cap{rng.randrange(caps)}) and destination not in {{{dest}}}"
    else:
        cond = f"(quantity * {rng.randint(2, 9)} + {rng.randint(0, 99)}) % {rng.randint(2, 13)} == 0 or customer == \"c{i}\""
    w(f'rule r{i}: {cond} => {rng.choice(outcomes)}\n  because "rule {i} for {{destination}}" cite "bench {i}";')
    if i % 10 == 0:
        w(f'exempt e{i} from r{i} when vetted and quantity < {rng.randint(1, 1000)};')
        if i % 100 == 0:
            w(f'exempt f{i} from e{i} when destination == {rng.choice(countries)};')
print("\n".join(out))
