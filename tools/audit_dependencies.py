"""Audit the dependencies for known vulnerabilities: the installed Python packages (pip-audit,
PyPI's data) and the PWA's npm packages (npm audit).

Fails on a known vulnerability. Where the registry does not answer for a package (no network,
or a mirror without vulnerability data) it says so, package by package, and does not pretend
the package was checked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path


def audit_python() -> bool:
    """True when a known vulnerability was found."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--local",
            "--skip-editable",
            "--vulnerability-service",
            "pypi",
            "--progress-spinner",
            "off",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(f"audit: pip-audit could not reach the registry here: {run.stderr.strip()[-300:]}")
        return False
    checked = [d for d in report["dependencies"] if "skip_reason" not in d]
    skipped = [d for d in report["dependencies"] if "skip_reason" in d]
    vulnerable = [d for d in checked if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release"
            print(f"audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    print(
        f"audit: {len(checked)} packages checked, {len(vulnerable)} with known vulnerabilities; "
        f"{len(skipped)} not checked because the registry gave no vulnerability data for them"
        + (f" ({', '.join(d['name'] for d in skipped)})" if skipped else "")
    )
    return bool(vulnerable)


def audit_npm() -> bool:
    """True when a known vulnerability of high or critical severity was found."""
    run = subprocess.run(  # noqa: S603 (a fixed command, no input)
        [shutil.which("npm") or "npm", "audit", "--json", "--omit=dev"],
        cwd=Path(__file__).resolve().parent.parent / "pwa",
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(run.stdout)
        counts = report["metadata"]["vulnerabilities"]
    except (json.JSONDecodeError, KeyError):
        print("audit: the npm registry gave no advisories here; npm packages not checked")
        return False
    serious = counts.get("high", 0) + counts.get("critical", 0)
    print(f"audit: npm packages checked, known vulnerabilities by severity: {counts}")
    return serious > 0


def main() -> int:
    found = audit_python()
    found = audit_npm() or found
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
