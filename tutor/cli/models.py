"""`tutor models`: the speech models installed, installing, checking and removing them, and
which recognizer is in use and why."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tutor.cli.common import Commands
from tutor.errors import TutorError
from tutor.settings import Settings


def parser_models(commands: Commands) -> None:
    models = commands.add_parser(
        "models", help="speech models: list, install, verify, remove",
        description="Speech models for recognition, and which engine is in use and why. "
        "Without an action: list.")
    model_actions = models.add_subparsers(dest="models_action", metavar="ACTION")
    model_actions.add_parser("list", help="known and installed models, and the engine in use")
    install = model_actions.add_parser(
        "install", help="install a model from the manifest's address, or from an archive",
        description="Download NAME from the address in the manifest, or unpack a local .zip or "
        ".tar.gz (say, from a USB stick) with --from. Archives of models in the manifest are "
        "checked against its sha256.")
    install.add_argument("name", metavar="NAME", help="model name (`tutor models list`)")
    install.add_argument("--from", dest="archive", type=Path, metavar="ARCHIVE",
                         help="install from this .zip or .tar.gz instead of downloading")
    model_actions.add_parser("verify", help="check the installed models' files")
    remove = model_actions.add_parser("remove", help="delete an installed model")
    remove.add_argument("name", metavar="NAME")


def cmd_models(args: argparse.Namespace, settings: Settings) -> int:
    from tutor import modelstore
    from tutor.errors import ModelError

    directory = modelstore.models_dir(settings)
    manifest_file = modelstore.manifest_path(directory)
    manifest = modelstore.read_manifest(manifest_file)
    action = args.models_action or "list"
    if action == "install":
        archive = args.archive.expanduser() if args.archive else None
        done = modelstore.install(args.name, directory, manifest, archive)
        if done.checksum == "manifest":
            checked = f"sha256 {done.model.archive_sha256[:12]}… matches the manifest"
        else:
            checked = (f"{args.name} is not in the manifest, so the archive could not be checked; "
                       f"its sha256 is {done.model.archive_sha256}")
        print(f"Installed {args.name} in {done.model.path}"
              f"{', replacing the copy there before' if done.replaced else ''} ({checked}).")
    elif action == "remove":
        print(f"Removed {modelstore.remove(args.name, directory)}.")
    elif action == "verify":
        checks = modelstore.verify(directory, manifest)
        if not checks:
            print(f"No models installed in {directory}.")
        for check in checks:
            origin = (f"archive sha256 {check.model.archive_sha256[:12]}…"
                      if check.model.archive_sha256 else "archive unknown")
            state = "ok" if not check.problems else "DAMAGED: " + "; ".join(check.problems)
            print(f"{check.model.name}: {state} ({len(check.model.files) or 'no'} recorded files, {origin})")
            for note in check.notes:
                print(f"  {note}")
        damaged = [c.model.name for c in checks if c.problems]
        if damaged:
            raise ModelError(f"damaged: {', '.join(damaged)}; reinstall with "
                             f"`tutor models install {damaged[0]}`")
    else:
        _list_models(directory, manifest_file, manifest)
    return _print_engine_in_use(settings)


def _list_models(directory: Path, manifest_file: Path, manifest: dict[str, Any]) -> None:
    from tutor import modelstore

    installed = {m.name: m for m in modelstore.installed_models(directory, manifest)}
    print(f"Models folder: {directory}")
    print(f"Manifest: {manifest_file}{'' if manifest_file.is_file() else ' (absent)'}")
    rows = [(info.name, info.language, modelstore.describe_size(info.size),
             "installed" if info.name in installed else "not installed") for info in manifest.values()]
    rows += [(m.name, m.language or "?", "-",
              "installed (not in the manifest)" if not modelstore.layout_problems(m.path)
              else "incomplete: `tutor models verify`")
             for m in installed.values() if m.name not in manifest]
    if not rows:
        print("No models known or installed.")
    width = max((len(row[0]) for row in rows), default=0)
    for name, language, size, state in rows:
        print(f"  {name:<{width}}  {language:<6} {size:>9}  {state}")


def _print_engine_in_use(settings: Settings) -> int:
    from tutor.recognition import choose_engine

    try:
        choice = choose_engine(settings)
    except TutorError as exc:
        print(f"In use: none ({exc})")
        return exc.exit_code
    print(f"In use: {choice.name} ({choice.reason})")
    return 0
