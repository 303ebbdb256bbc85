"""Runs the README's five-minute tour, as printed, against a `serve --demo` server.

Usage: tour_test.py SERVER_BINARY

Starts the server on a free port over a fresh data dir (a small demo), then runs every command
of the README block between `<!-- tour:start -->` and `<!-- tour:end -->` in one bash session
(only the address is changed), checking that each succeeds, that searchdata and every
visualization of pinboarddata return rows, and that the session is gone after the logout.
Then it runs the Python tour block with the PyPI client, and checks that every answer and
every visualization of the demo returns rows (each answer's stored search, from its exported
TML, through searchdata; each pinboard through pinboarddata). Prints `tour: N passed, M failed`.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DEMO_ADDRESS = "http://127.0.0.1:8088"


def block(name):
    """The code inside the README's `<!-- NAME:start -->` … `<!-- NAME:end -->` block."""
    text = README.read_text()
    match = re.search(rf"<!-- {name}:start -->\s*```\w*\n(.*?)```\s*<!-- {name}:end -->", text, re.S)
    if not match:
        raise SystemExit(f"README.md has no {name} block")
    return match.group(1)


def start_server(binary, data_dir):
    log = open(data_dir / "server.log", "w+")
    process = subprocess.Popen(
        [binary, "serve", "--demo", "--demo-rows", "20000", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir / "data")],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data_dir,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        log.seek(0)
        found = re.search(r"listening on (http://[0-9.]+:\d+)", log.read())
        if found:
            return process, found.group(1), log
        if process.poll() is not None:
            break
        time.sleep(0.2)
    log.seek(0)
    process.kill()
    raise SystemExit("the demo server did not start:\n" + log.read()[-3000:])


def commands(shell):
    """The tour's commands: each non-comment line, with the comment before it as its label."""
    label = ""
    for line in shell.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            label = line.lstrip("# ")
            continue
        yield label, line


API = "/callosum/v1/tspublic/v1"


def check_demo_content(address, check):
    """Every demo answer and every visualization of every demo pinboard returns rows."""
    session = requests.Session()
    session.headers["X-Requested-By"] = "ThoughtSpot"
    login = session.post(f"{address}{API}/session/login", data={"username": "tsadmin", "password": "searchlight"})
    check("demo: tsadmin logs in with the documented password", login.status_code == 204, login.text)

    def headers(kind):
        response = session.get(f"{address}{API}/metadata/listobjectheaders", params={"type": kind, "batchsize": -1})
        response.raise_for_status()
        return response.json()

    answers = headers("QUESTION_ANSWER_BOOK")
    check("demo: at least six answers", len(answers) >= 6, [a["name"] for a in answers])
    for answer in answers:
        exported = session.post(
            f"{address}{API}/metadata/tml/export",
            data={"export_ids": json.dumps([answer["id"]]), "formattype": "JSON"},
        )
        ok = exported.status_code == 200
        detail = exported.text[:300]
        if ok:
            tml = json.loads(exported.json()["object"][0]["edoc"])["answer"]
            data = session.post(
                f"{address}{API}/searchdata",
                data={"query_string": tml["search_query"], "data_source_guid": tml["tables"][0]["fqn"]},
            )
            ok = data.status_code == 200 and data.json()["rowCount"] > 0
            detail = f"{tml['search_query']}: {data.status_code} {data.text[:300]}"
        check(f"demo: answer '{answer['name']}' returns rows", ok, detail)

    pinboards = headers("PINBOARD_ANSWER_BOOK")
    check("demo: the two pinboards", {"Sales Overview", "Store Performance"} <= {p["name"] for p in pinboards})
    vizzes = 0
    for pinboard in pinboards:
        response = session.post(f"{address}{API}/pinboarddata", data={"id": pinboard["id"]})
        ok = response.status_code == 200
        body = response.json() if ok else {}
        for key, viz in body.items():
            vizzes += 1
            check(
                f"demo: '{pinboard['name']}' visualization '{viz.get('name', key)}' returns rows",
                viz["rowCount"] > 0 and "error" not in viz,
                json.dumps(viz)[:300],
            )
        check(f"demo: pinboarddata for '{pinboard['name']}'", ok and bool(body), response.text[:300])
    check("demo: at least eight visualizations", vizzes >= 8, vizzes)


def main():
    binary = sys.argv[1]
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(("PASS " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))

    with tempfile.TemporaryDirectory(prefix="searchlight-tour-") as tmp:
        tmp = Path(tmp)
        process, address, log = start_server(binary, tmp)
        try:
            env = dict(os.environ)
            workdir = tmp / "tour"
            workdir.mkdir()
            setup = ""
            for label, command in commands(block("tour").replace(DEMO_ADDRESS, address)):
                if re.match(r"^[A-Z_]+=", command):
                    setup += command + "\n"
                    continue
                run = subprocess.run(["bash", "-c", setup + command], cwd=workdir, env=env, capture_output=True, text=True)
                ok = run.returncode == 0
                detail = (run.stdout + run.stderr)[-500:]
                if ok and "/searchdata" in command:
                    body = json.loads(run.stdout)
                    ok = body["rowCount"] > 0 and len(body["data"]) == body["rowCount"]
                    detail = run.stdout[:500]
                if ok and "/pinboarddata" in command:
                    body = json.loads(run.stdout)
                    ok = bool(body) and all(v["rowCount"] > 0 and "error" not in v for v in body.values())
                    detail = run.stdout[:500]
                check(f"tour: {label}", ok, detail)
            # After the logout, the cookie is no good.
            after = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-b", "cookies.txt", f"{address}/callosum/v1/tspublic/v1/user/list"],
                cwd=workdir, capture_output=True, text=True,
            )
            check("tour: the session is gone after logout", after.stdout == "401", after.stdout)

            python = block("tour-python").replace(DEMO_ADDRESS, address)
            run = subprocess.run([sys.executable, "-c", python], capture_output=True, text=True)
            ok = run.returncode == 0 and "Total Revenue" in run.stdout
            check("tour: the PyPI client", ok, (run.stdout + run.stderr)[-800:])

            check_demo_content(address, check)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
            if not all(results):
                log.seek(0)
                print("--- server log (tail) ---")
                print(log.read()[-3000:])

    failed = results.count(False)
    print(f"tour: {len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
