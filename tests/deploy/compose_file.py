"""deploy/compose.yaml as the tests read it: the services with ``${VAR}`` references filled
in from deploy/.env.example, as ``docker compose`` would fill them from deploy/.env."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ is a dollar.
_REFERENCE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        value = env.get(name)
        if op and op.endswith("?") and not value:
            raise KeyError(f"{name}: {arg}")
        if op and op.endswith("-") and not value:
            return arg
        if value is None:
            raise KeyError(f"{name} is not in deploy/.env.example")
        return value

    return _REFERENCE.sub(replace, text)


def _filled(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_filled(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _filled(value, env) for key, value in node.items()}
    return node


def services() -> dict[str, dict[str, Any]]:
    """Every service of deploy/compose.yaml (YAML anchors and merges resolved), filled in."""
    document = yaml.safe_load(COMPOSE.read_text())
    return _filled(document["services"], env_example())


def qiyou_services() -> dict[str, dict[str, Any]]:
    """The services that run the Qiyou image."""
    return {name: s for name, s in services().items() if s.get("image") == "qiyou:latest"}
