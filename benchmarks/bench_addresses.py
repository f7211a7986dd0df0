"""Benchmark of the address search: N synthetic RÚIAN-shaped address points, imported, queried.

    .venv/bin/python benchmarks/bench_addresses.py --db sqlite --points 200000
    .venv/bin/python benchmarks/bench_addresses.py --db postgres --points 3000000 --queries 300

Generates municipalities of long-tailed sizes (a few cities, thousands of villages, as in
Czechia), realistic Czech street names with diacritics (villages without streets, their
houses numbered by part of the municipality), writes them as ČÚZK does (one cp1250 CSV per
municipality, S-JTSK coordinates, zipped), imports the zip with `straz import-addresses`'s
service, and times `GET /api/v1/addresses` in-process (Django test client: middleware,
Ninja, the search, routing of each answer to one of ~900 police districts) per kind of
query: exact, without diacritics, one and two typos, number forms, street only, village,
typing a prefix. Prints JSON with p50/p95 (ms) and how often the intended address came
first or within the answers (also written to benchmarks/out/addresses-<db>-<points>.json).
`--reuse` keeps an imported data set of the same size.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from _setup import setup_django  # noqa: E402

HEADER = (
    "Kód ADM;Kód obce;Název obce;Kód MOMC;Název MOMC;Kód MOP;Název MOP;Kód části obce;"
    "Název části obce;Kód ulice;Název ulice;Typ SO;Číslo domovní;Číslo orientační;"
    "Znak čísla orientačního;PSČ;Souřadnice Y;Souřadnice X;Platí Od"
)
COMMON_STREETS = (
    "Masarykova Husova Palackého Komenského Jiráskova Havlíčkova Smetanova Nerudova Žižkova "
    "Tyršova Fügnerova Šafaříkova Dvořákova Kollárova Purkyňova Rašínova Riegrova Sokolská "
    "Nádražní Školní Zahradní Polní Lesní Luční Krátká Dlouhá Družstevní Okružní Nová Úzká "
    "Květná Lipová Jabloňová Třešňová Šeříková Březová Dubová Javorová Topolová Vrbová "
    "Pražská Brněnská Plzeňská Ostravská Olomoucká Jihlavská Hradecká Pardubická Liberecká "
    "Zámecká Kostelní Farní Mlýnská Tovární Průmyslová Hřbitovní Sadová Parková Slunečná "
    "Jarní Letní Podzimní Zimní Vrchlického Wolkerova Čapkova Bezručova Erbenova Máchova "
    "Tylova Klicperova Alšova Mánesova Myslbekova Hálkova Sládkova Zeyerova Vančurova "
    "Horní Dolní Střední Příčná Spojovací Cihlářská Kovářská Pekařská Řeznická Rybářská"
).split()
SURNAMES = (
    "Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec Marek Pospíšil "
    "Pokorný Hájek Král Jelínek Růžička Beneš Fiala Sedláček Doležal Zeman Kolář Navrátil "
    "Čermák Vaněk Urban Blažek Kříž Kovář Bartoš Vlček Polák Kopecký Šimek Konečný Malý "
    "Holub Štěpánek Kadlec Dostál Soukup Šťastný Mareš Moravec Sýkora Tichý Valenta Vávra "
    "Matoušek Řezníček Bláha Šebek Hrubý Kratochvíl Skála Kos Janda Bureš Havlík Toman "
    "Jireček Hašek Kubíček Lukáš Staněk Hanák Jaroš Wagner Šindelář Pešek Brož Hruška Švec "
    "Žák Říha Cibulka Trnka Charvát Kubát Nový Adámek Bednář Koubek Klíma Hrdlička Paur"
).split()
FIRST_NAMES = (
    "Jana Karla Josefa Jana Václava Boženy Aloise Antonína Františka Jiřího Petra Pavla "
    "Tomáše Marie Ludmily Anny Vojtěcha Jaroslava Vladimíra Bedřicha Emy Otakara Jakuba"
).split()
NOUNS = (
    "Hřiště Rybníka Lesa Kostela Školy Mlýna Potoka Nádraží Hřbitova Zámku Pivovaru Parku "
    "Kapličky Studánky Lípy Dubu Trati Splavu Mostu Brodu Statku Dvora Vinic Sadu Humen "
    "Výsluní Kopci Stráni Vyhlídce Náspu Rybníčku Valech Pískách Skalce Drahách Pastvinách"
).split()
PLACE_ROOTS = (
    "Lhota Ves Újezd Březí Dvůr Hradiště Kostelec Týnec Bystřice Lomnice Polná Radošov "
    "Čermná Žďár Chlumec Hořice Libčany Třebíč Říčany Vlašim Sedlec Háj Bor Lužany Chotěboř "
    "Dobruška Jevíčko Kunštát Loučná Mšeno Nasavrky Opočno Pečky Rožmitál Sázava Trhanov "
    "Úštěk Velešín Zbiroh Želiv Černošice Přelouč Ronov Slatiňany Heřmanice Kněžmost"
).split()
PLACE_PREFIX = ["", "", "", "Horní ", "Dolní ", "Nová ", "Stará ", "Velká ", "Malá "]
PLACE_SUFFIX = ["", "", "", "", " nad Labem", " u Brna", " pod Radhoštěm", " nad Sázavou", " u Plzně"]
# Czechia in S-JTSK, as RÚIAN writes it (positive Y, X).
Y_RANGE = (440_000.0, 890_000.0)
X_RANGE = (940_000.0, 1_220_000.0)


def street_pool(rng: random.Random) -> list[str]:
    """Distinct street names: common ones, possessives, people's names, "U …" and "Na …"."""
    pool = list(COMMON_STREETS)
    pool += [s + ("ova" if not s.endswith(("ý", "í", "a")) else "") for s in SURNAMES]
    pool += [f"{f} {s}a" if not s.endswith(("ý", "í", "a")) else f"{f} {s}" for f in FIRST_NAMES for s in SURNAMES]
    pool += [f"{p} {n}" for p in ("U", "Na", "Pod", "Za", "K", "Nad") for n in NOUNS]
    pool += [f"náměstí {n}" for n in ("Míru", "Svobody", "Republiky", "T. G. Masaryka", "Dr. E. Beneše")]
    pool += [f"třída {f} {s}a" for f in FIRST_NAMES[:6] for s in SURNAMES[:40]]
    return sorted(set(pool))


def municipality_sizes(n: int, rng: random.Random) -> list[int]:
    """Long-tailed sizes summing to n: ~1 municipality per 480 points, as in Czechia."""
    count = max(3, n // 480)
    weights = [1.0 / (rank**0.95) for rank in range(1, count + 1)]
    total = sum(weights)
    sizes = [max(15, int(n * w / total)) for w in weights]
    sizes[0] += n - sum(sizes)
    return sizes


def municipality_name(rng: random.Random) -> str:
    return f"{rng.choice(PLACE_PREFIX)}{rng.choice(PLACE_ROOTS)}{rng.choice(PLACE_SUFFIX)}".strip()


def generate_zip(n: int, seed: int, path: Path) -> dict[str, Any]:
    """Write the RÚIAN-shaped zip; return a sample of (street or part, numbers, town) for queries."""
    rng = random.Random(seed)
    pool = street_pool(rng)
    common = COMMON_STREETS
    adm = 10_000_000
    samples: list[dict[str, Any]] = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for index, size in enumerate(municipality_sizes(n, rng)):
            code = str(500_000 + index)
            town = municipality_name(rng)
            cy, cx = rng.uniform(*Y_RANGE), rng.uniform(*X_RANGE)
            spread = 40.0 * size**0.5
            postcode = f"{rng.randint(100, 799)}{rng.randint(0, 99):02d}"
            lines = [HEADER]
            parts = [town] + [f"{town}-{rng.choice(PLACE_ROOTS)}" for _ in range(size // 4000)]
            house_by_part = {p: 0 for p in parts}
            if size < 150:
                # A village: no streets, descriptive numbers per part.
                for _ in range(size):
                    part = rng.choice(parts)
                    house_by_part[part] += 1
                    adm += 1
                    y, x = cy + rng.gauss(0, spread), cx + rng.gauss(0, spread)
                    kind = "č.ev." if rng.random() < 0.04 else "č.p."
                    lines.append(
                        f"{adm};{code};{town};;;;;1;{part};;;{kind};{house_by_part[part]};;;"
                        f"{postcode};{y:.2f};{x:.2f};2024-01-01T00:00:00"
                    )
                    if rng.random() < 0.002:
                        samples.append({"kind": "village", "name": part, "house": house_by_part[part], "town": town})
            else:
                left = size
                used: set[str] = set()
                while left > 0:
                    street = rng.choice(common) if rng.random() < 0.4 else rng.choice(pool)
                    if street in used:
                        if len(used) >= len(pool):
                            break
                        continue
                    used.add(street)
                    part = rng.choice(parts)
                    length = min(left, max(1, int(rng.expovariate(1 / 25))))
                    left -= length
                    sy, sx = cy + rng.gauss(0, spread), cx + rng.gauss(0, spread)
                    for orientation in range(1, length + 1):
                        house_by_part[part] += 1
                        house = house_by_part[part]
                        adm += 1
                        letter = "a" if rng.random() < 0.01 else ""
                        y = sy + orientation * 8.0
                        x = sx + rng.gauss(0, 10)
                        y_text, x_text = f"{y:.2f}", f"{x:.2f}"
                        if adm % 2:
                            y_text, x_text = y_text.replace(".", ","), x_text.replace(".", ",")
                        lines.append(
                            f"{adm};{code};{town};;;;;1;{part};7;{street};č.p.;{house};{orientation};"
                            f"{letter};{postcode};{y_text};{x_text};2024-01-01T00:00:00"
                        )
                        if rng.random() < 0.002:
                            samples.append(
                                {
                                    "kind": "street",
                                    "name": street,
                                    "house": house,
                                    "orientation": orientation,
                                    "letter": letter,
                                    "town": town,
                                }
                            )
            archive.writestr(f"{code}.csv", ("\r\n".join(lines) + "\r\n").encode("cp1250"))
    return {"samples": samples}


def police_districts() -> int:
    """~900 police districts: a grid of 0.2° × 0.1° squares over Czechia, each with an officer."""
    from straz.territory.models import Area, AreaKind
    from straz.territory.services import load_area, load_officer

    if Area.objects.filter(kind=AreaKind.POLICE_DISTRICT).exists():
        return Area.objects.filter(kind=AreaKind.POLICE_DISTRICT).count()
    count = 0
    lon = 12.0
    while lon < 19.0:
        lat = 48.5
        while lat < 51.1:
            count += 1
            ring = [[lon, lat], [lon + 0.2, lat], [lon + 0.2, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
            area = load_area(
                kind=AreaKind.POLICE_DISTRICT,
                code=f"B{count:04d}",
                name=f"Obvod {count}",
                geometry={"type": "Polygon", "coordinates": [ring]},
            )
            load_officer(
                email=f"officer{count}@example.cz", name=f"Strážník {count}", rank="praporčík",
                phone="+420 974 000 000", office="", office_hours="", district=area,
            )
            lat = round(lat + 0.1, 6)
        lon = round(lon + 0.2, 6)
    return count


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _typo(word: str, count: int, rng: random.Random) -> str:
    letters = list(word)
    positions = [i for i, c in enumerate(letters) if c.isalpha()]
    for i in rng.sample(positions, min(count, len(positions))):
        letters[i] = rng.choice([c for c in "abcdeilmnoprstuvz" if c != letters[i].lower()])
    return "".join(letters)


def queries(samples: list[dict[str, Any]], per_kind: int, rng: random.Random) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    streets = [s for s in samples if s["kind"] == "street"]
    villages = [s for s in samples if s["kind"] == "village"]
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {k: [] for k in (
        "exact", "no_diacritics", "typo_1", "typo_2", "descriptive_number", "street_only",
        "village", "prefix")}
    for s in rng.sample(streets, min(per_kind, len(streets))):
        number = f"{s['house']}/{s['orientation']}{s['letter']}"
        longest = max(s["name"].split(), key=len)
        out["exact"].append((f"{s['name']} {number}, {s['town']}", s))
        out["no_diacritics"].append((_ascii(f"{s['name']} {s['orientation']}{s['letter']} {s['town']}").lower(), s))
        out["typo_1"].append((f"{s['name'].replace(longest, _typo(longest, 1, rng))} {s['orientation']}{s['letter']}, {s['town']}", s))
        out["typo_2"].append((f"{s['name'].replace(longest, _typo(longest, 2, rng))} {s['orientation']}{s['letter']}, {s['town']}", s))
        out["descriptive_number"].append((f"{s['name']} {s['house']} {s['town']}", s))
        out["street_only"].append((s["name"], s))
        out["prefix"].append((s["name"][:5], s))
    for s in rng.sample(villages, min(per_kind, len(villages))):
        out["village"].append((f"{s['name']} {s['house']}", s))
    return out


def _expected(s: dict[str, Any], label: str) -> bool:
    if s["kind"] == "village":
        return label.startswith(f"{s['name']} {s['house']},") or label.startswith(f"{s['name']} č. ev. {s['house']},")
    return label.startswith(f"{s['name']} {s['house']}/{s['orientation']}{s['letter']},") and label.endswith(s["town"])


def measure(kind_queries: dict[str, list[tuple[str, dict[str, Any]]]]) -> dict[str, Any]:
    from django.test import Client

    client = Client()
    results: dict[str, Any] = {}
    for kind, items in kind_queries.items():
        times: list[float] = []
        first = within = 0
        for text, sample in items:
            start = time.perf_counter()
            response = client.get("/api/v1/addresses", {"q": text})
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (text, response.content[:300])
            labels = [r["label"] for r in response.json()]
            if kind not in ("street_only", "prefix"):
                first += bool(labels) and _expected(sample, labels[0])
                within += any(_expected(sample, label) for label in labels)
        times.sort()
        results[kind] = {
            "queries": len(times),
            "p50_ms": round(statistics.median(times), 2) if times else None,
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2) if times else None,
            "max_ms": round(times[-1], 2) if times else None,
        }
        if kind not in ("street_only", "prefix"):
            results[kind]["first"] = round(first / max(len(items), 1), 3)
            results[kind]["within_10"] = round(within / max(len(items), 1), 3)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--queries", type=int, default=300, help="measured queries per kind")
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--reuse", action="store_true", help="keep an imported data set of this size")
    ap.add_argument("--pg-url", default="postgres://straz:straz@127.0.0.1:55433/straz_addresses_bench")
    ap.add_argument("--data-dir", default="/tmp/straz-addresses-bench")
    args = ap.parse_args()

    setup_django(args.db, args.pg_url, args.data_dir, fresh=not args.reuse)
    from django.db import connection

    from straz.territory.addresses import search as address_search
    from straz.territory.addresses.importer import import_addresses
    from straz.territory.models import AddressName, AddressPoint

    report: dict[str, Any] = {"db": args.db, "points_requested": args.points}
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "adresni-mista.zip"
        start = time.perf_counter()
        generated = generate_zip(args.points, args.seed, archive)
        report["generate_s"] = round(time.perf_counter() - start, 1)
        report["zip_mb"] = round(archive.stat().st_size / 1e6, 1)
        report["police_districts"] = police_districts()
        if not (args.reuse and AddressPoint.objects.exists()):
            start = time.perf_counter()
            summary = import_addresses(paths=[archive])
            report["import_s"] = round(time.perf_counter() - start, 1)
            report["municipalities"] = len(summary.municipalities)
    report["address_points"] = AddressPoint.objects.count()
    report["names"] = AddressName.objects.count()
    report["distinct_name_keys"] = AddressName.objects.values("key").distinct().count()
    if args.db == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    start = time.perf_counter()
    address_search.name_index()
    report["name_index_load_ms"] = round((time.perf_counter() - start) * 1000, 1)
    from django.test import Client

    start = time.perf_counter()
    Client().get("/api/v1/addresses", {"q": "Masarykova 1"})  # builds the district index
    report["first_query_ms"] = round((time.perf_counter() - start) * 1000, 1)
    rng = random.Random(args.seed + 1)
    report["kinds"] = measure(queries(generated["samples"], args.queries, rng))
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / f"addresses-{args.db}-{args.points}.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
