"""Runs the JSON-Schema-Test-Suite's required draft-07 tests against `rigmap validate --schema`.

Each test case (one schema, several instances) is one `rigmap validate --schema S --json --ref ... I1 I2 ...` run;
the remotes the suite serves at http://localhost:1234/ are passed with --ref; the draft-07 metaschema is not (rigmap
carries it).
Prints the pass count per file and every failure; exits 1 if any required test fails.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

rigmap, suite = sys.argv[1], sys.argv[2]
refs = []
remotes = os.path.join(suite, "remotes")
for path in sorted(glob.glob(os.path.join(remotes, "**", "*.json"), recursive=True)):
    url = "http://localhost:1234/" + os.path.relpath(path, remotes).replace(os.sep, "/")
    refs += ["--ref", f"{url}={path}"]

passed = failed = 0
failures = []
with tempfile.TemporaryDirectory() as work:
    for test_file in sorted(glob.glob(os.path.join(suite, "tests", "draft7", "*.json"))):
        name = os.path.basename(test_file)
        file_passed = file_failed = 0
        for c, case in enumerate(json.load(open(test_file))):
            schema_path = os.path.join(work, f"schema-{c}.json")
            json.dump(case["schema"], open(schema_path, "w"))
            instances = []
            for t, test in enumerate(case["tests"]):
                path = os.path.join(work, f"data-{c}-{t}.json")
                json.dump(test["data"], open(path, "w"))
                instances.append(path)
            result = subprocess.run([rigmap, "validate", "--schema", schema_path, "--json", *refs, *instances], capture_output=True, text=True)
            try:
                statuses = {entry["file"]: entry["status"] for entry in json.loads(result.stdout)["files"]}
            except Exception:
                statuses = {}
                first_error = (result.stderr.strip().splitlines() or ["no output"])[0]
            for t, test in enumerate(case["tests"]):
                status = statuses.get(instances[t])
                ok = (status == "valid") == test["valid"] and status in ("valid", "invalid")
                if ok:
                    file_passed += 1
                else:
                    file_failed += 1
                    why = status if status else f"no verdict ({first_error})"
                    failures.append(f"{name}: {case['description']} / {test['description']}: expected {'valid' if test['valid'] else 'invalid'}, got {why}")
        print(f"{name:32} {file_passed:4} passed {file_failed:4} failed")
        passed += file_passed
        failed += file_failed

for failure in failures:
    print("FAIL", failure)
print(f"JSON-Schema-Test-Suite draft-07 (required): {passed} passed, {failed} failed of {passed + failed}")
sys.exit(1 if failed else 0)
