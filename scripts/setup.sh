#!/usr/bin/env bash
# Install what the station needs on Debian or Raspberry Pi OS: system packages and a
# virtual environment in .venv with the tutor in it. `--test` adds what the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(python3 python3-venv python3-dev build-essential portaudio19-dev libasound2-plugins
          alsa-utils espeak-ng libespeak-ng1)
extras=""
if [[ "${1:-}" == "--test" ]]; then
  # festival voices give natural English test speech; pocketsphinx-testdata has real recordings
  packages+=(festival festvox-us-slt-hts festvox-kallpc16k pocketsphinx-testdata sox systemd
             chromium poppler-utils  # the HTML report is checked in a real browser
             wordnet-base)  # the people nouns the empathy scorer ships are checked against WordNet
  extras="[test]"
fi

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if (( ${#missing[@]} )); then
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${extras}"
echo "Installed: $(.venv/bin/tutor --version)"
