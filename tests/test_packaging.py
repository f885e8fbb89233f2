"""The container files and the install files agree with the repository (no engine runs here to build them)."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT


def test_the_dockerfile_copies_what_exists_and_runs_as_a_non_root_user():
    text = (ROOT / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", text, flags=re.M):
        *sources, _target = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
    assert re.search(r"^USER (?!root)\w+", text, flags=re.M)
    assert "HEALTHCHECK" in text and "requirements.txt" in text and "requirements-dev" not in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "models/*/model.keras" in ignored and "models" not in ignored  # the ONNX models go in


def test_compose_runs_the_app_and_the_service_each_with_a_health_check():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert set(services) == {"app", "api"}
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert services["api"]["command"][0] in scripts
    for service in services.values():
        assert "healthcheck" in service and service["healthcheck"]["test"][0] == "CMD"


def test_every_requirements_file_an_install_names_exists():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for include in re.findall(r"^-r (\S+)", (ROOT / name).read_text(), flags=re.M):
            assert (ROOT / include).exists(), f"{name} includes {include}"
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert "-c constraints.txt" in setup and (ROOT / "constraints.txt").exists()
