"""The speech-model store: the manifest of known models, and installing, checking and
removing them in the models folder.

One job per module: ``manifest`` (what models exist and where to get them), ``store``
(what is installed, verify, remove, and recovery from interrupted work), ``install``
(lock, staging, swap, download), ``archive`` (unpacking within counted limits), ``lock``
(the install lock) and ``disk`` (room, checksums, durable renames). Callers use the
names re-exported here: ``from tutor import modelstore``; ``modelstore.install(...)``.
"""

from tutor.modelstore.archive import ACCEPTED, MAX_UNPACKED
from tutor.modelstore.disk import describe_size
from tutor.modelstore.install import InstallResult, install
from tutor.modelstore.lock import LOCK_NAME, LOCK_WAIT_S
from tutor.modelstore.manifest import (
    MANIFEST_NAME,
    SOURCE_MODELS_DIR,
    ModelInfo,
    is_english,
    manifest_path,
    read_manifest,
)
from tutor.modelstore.store import (
    RECORD_NAME,
    Check,
    InstalledModel,
    Leftover,
    installed_models,
    layout_problems,
    leftovers,
    models_dir,
    read_installed,
    recover,
    remove,
    resolve_model,
    verify,
)

__all__ = [
    "ACCEPTED", "LOCK_NAME", "LOCK_WAIT_S", "MANIFEST_NAME", "MAX_UNPACKED", "RECORD_NAME",
    "SOURCE_MODELS_DIR", "Check", "InstallResult", "InstalledModel", "Leftover", "ModelInfo",
    "describe_size", "install", "installed_models", "is_english", "layout_problems", "leftovers",
    "manifest_path", "models_dir", "read_installed", "read_manifest", "recover", "remove",
    "resolve_model", "verify",
]
