#!/usr/bin/env python3
"""The store a file-level differential can reach, against restic, under the issue's levels.

A model, not a benchmark: it replays `gen_dataset.py --mutate`'s churn on file versions (each
night, of every file: 5 % get a new version, 1 % are deleted; 2 % as many files are added) and
counts, on each night, the file versions each side keeps:

- Lethe (issue 15's levels, the default policy's local calendar): a monthly holds every file;
  a weekly, each file whose version differs from the newest monthly's; a daily, each file whose
  version differs from the newest weekly's or monthly's. Copies live until their delete-by
  (daily 7 days, weekly 5 weeks, monthly 6 months).
- restic (`forget --keep-daily 7 --keep-weekly 5 --keep-monthly 6`): each file version any kept
  snapshot holds, once. Every file version counts once whatever its size: restic is credited with
  no deduplication inside a file (the dataset's files are mostly below its 512 KiB minimum chunk).

Every version weighs the same, so the ratio is that of stored file versions; compression is the
same on both sides (measured: 0.94x on night 1). No implementation of those levels stores fewer
versions than this, since each archive must hold what changed since its base.

    scripts/model-diff-store.py [NIGHTS=60] [FILES=15000] [SEED=1]
"""
import datetime
import random
import sys

nights = int(sys.argv[1]) if len(sys.argv) > 1 else 60
files = int(sys.argv[2]) if len(sys.argv) > 2 else 15000
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
first = datetime.date(2026, 11, 1)  # a Sunday, as in scripts/bench-diff.sh

tree = {n: 0 for n in range(files)}  # file -> version id
next_file, next_version = files, 1
snapshots = []  # (date, {file: version})
lethe = []  # (date, class, delete_by, base index or None)


def add_months(day, months):
    """`day` plus `months` calendar months (day of month capped at 28: close enough here)."""
    month = day.month - 1 + months
    return datetime.date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def lethe_class(day):
    """The strict calendar: the first set of a month is monthly, of an ISO week weekly."""
    earlier = [d for d, *_ in lethe]
    if not any(d.year == day.year and d.month == day.month for d in earlier):
        return "monthly"
    if not any(d.isocalendar()[:2] == day.isocalendar()[:2] for d in earlier):
        return "weekly"
    return "daily"


def versions(index):
    """The file versions archive `index` stores: all for a full, the changed ones for a differential."""
    base = lethe[index][3]
    tree_then = snapshots[index][1]
    if base is None:
        return set(tree_then.items())
    base_tree = snapshots[base][1]
    return {(f, v) for f, v in tree_then.items() if base_tree.get(f) != v}


def restic_kept(day):
    """The snapshots `forget --keep-daily 7 --keep-weekly 5 --keep-monthly 6` keeps."""
    kept, by = set(), {"d": {}, "w": {}, "m": {}}
    for i, (d, _) in enumerate(snapshots):
        by["d"][d] = by["w"][d.isocalendar()[:2]] = by["m"][(d.year, d.month)] = i  # the newest of each period
    for kind, limit in (("d", 7), ("w", 5), ("m", 6)):
        kept |= set(sorted(by[kind].values())[-limit:])
    return kept


print(f"  {'night':>5} {'lethe':>10} {'restic':>10} {'ratio':>6}   (file versions stored; {files} files at night 1)")
for night in range(1, nights + 1):
    day = first + datetime.timedelta(days=night - 1)
    if night > 1:
        for f in list(tree):
            x = rng.random()
            if x < 0.05:
                tree[f], next_version = next_version, next_version + 1
            elif x < 0.06:
                del tree[f]
        for _ in range(int(len(tree) * 0.02)):
            tree[next_file], next_file, next_version = next_version, next_file + 1, next_version + 1
    kind = lethe_class(day)
    keep = {"daily": datetime.timedelta(days=7), "weekly": datetime.timedelta(weeks=5)}
    delete_by = add_months(day, 6) if kind == "monthly" else day + keep[kind]
    live = [i for i, (d, _, by, _) in enumerate(lethe) if by > day]
    base = None
    if kind != "monthly":
        wanted = ("monthly",) if kind == "weekly" else ("monthly", "weekly")
        candidates = [i for i in live if lethe[i][1] in wanted]
        base = max(candidates) if candidates else None
    lethe.append((day, kind, delete_by, base))
    snapshots.append((day, dict(tree)))
    if night % 10 == 0 or night == nights:
        live = [i for i, (_, _, by, _) in enumerate(lethe) if by > day]
        stored = sum(len(versions(i)) for i in live)
        kept = set()
        for i in restic_kept(day):
            kept |= set(snapshots[i][1].items())
        print(f"  {night:>5} {stored:>10} {len(kept):>10} {stored / len(kept):>5.2f}x")
