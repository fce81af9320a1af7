#!/usr/bin/env bash
# Install the station as a service: the tutor in /opt/tutor, the unprivileged user
# "tutor" (groups audio and gpio), the group "tutor-trainers", the systemd unit, enabled
# and started.
#   sudo scripts/install.sh              install or upgrade, and start
#   sudo scripts/install.sh --uninstall  stop and remove it; keeps /var/lib/tutor (history)
#   sudo scripts/install.sh --purge      ...and deletes /var/lib/tutor and /etc/tutor and
#                                        the group tutor-trainers too
# Trainers: `sudo usermod -aG tutor-trainers NAME` (then log in again) lets NAME's
# `tutor report`, `tutor session` and `tutor forget` work on the station's history in
# /var/lib/tutor, which is tutor:tutor-trainers, 2770 (setgid: what a trainer creates
# there belongs to the group; the service's UMask=0007 keeps its files group-writable).
# Without the group: `sudo -u tutor tutor report`.
# /opt/tutor is owned by root and writable only by root (the service imports this code,
# so whoever cloned the checkout must not be able to change it). --uninstall deletes the
# user "tutor" and gives the kept /var/lib/tutor to root, so that no later user who
# gets the freed uid owns the history; a reinstall gives it back to the new "tutor"
# (systemd chowns a StateDirectory= to the unit's user at start).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=/opt/tutor
unit=/etc/systemd/system/tutor.service
rules=/etc/udev/rules.d/70-tutor-badge-reader.rules
state=/var/lib/tutor
trainers=tutor-trainers

if [[ $(id -u) -ne 0 ]]; then
  echo "install.sh: run it as root (sudo scripts/install.sh)" >&2
  exit 1
fi

uninstall() {
  systemctl disable --now tutor.service 2>/dev/null || true
  rm -f "$unit" "$rules"
  systemctl daemon-reload
  rm -rf "$prefix"
  if id tutor >/dev/null 2>&1; then userdel tutor; fi
}

case "${1:-}" in
  --uninstall)
    uninstall
    if [[ -d /var/lib/tutor ]]; then
      chown -R -h root:root /var/lib/tutor
      echo "Removed the tutor service; history and rounds kept in /var/lib/tutor, now owned by root"
    else
      echo "Removed the tutor service"
    fi
    exit 0 ;;
  --purge)
    uninstall
    rm -rf /var/lib/tutor /etc/tutor
    if getent group "$trainers" >/dev/null; then groupdel "$trainers"; fi
    echo "Removed the tutor service; deleted /var/lib/tutor, /etc/tutor and the group $trainers"
    exit 0 ;;
  "") ;;
  *) echo "install.sh: unknown option '$1' (use --uninstall or --purge)" >&2; exit 2 ;;
esac

getent group "$trainers" >/dev/null || groupadd --system "$trainers"
# the service runs with Group=tutor-trainers; the user is in the group too, so that
# `sudo -u tutor tutor report` may write the files trainers created
groups="audio,$trainers"
getent group gpio >/dev/null && groups+=",gpio"
if ! id tutor >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/tutor --no-create-home --shell /usr/sbin/nologin \
          --groups "$groups" tutor
else
  usermod --append --groups "$groups" tutor
fi

mkdir -p "$prefix"
# the code and the models, owned by root (not by whoever cloned the checkout) and
# writable only by root; the virtual environment is built in place, as root
tar --exclude=.venv --exclude=.git --exclude='__pycache__' -cf - . | tar --no-same-owner -xf - -C "$prefix"
"$prefix/scripts/setup.sh"
chown -R -h root:root "$prefix"
chmod -R go-w "$prefix"
# the state folder shared with the trainers (an older install made it tutor:tutor, 0750):
# every folder setgid tutor-trainers, every file group-writable, nothing for others. The
# rounds folder is made here, so that a trainer's `tutor practice` is never the first to
# make it (with their umask, which would keep the station out of it).
mkdir -p "$state/rounds"
chown -R -h tutor:"$trainers" "$state"
chmod -R g+rwX,o-rwx "$state"
find "$state" -type d -exec chmod g+s {} +
install -m 0644 systemd/tutor.service "$unit"
# a USB badge reader or keypad readable by the group tutor (kiosk.identify), no one else
install -m 0644 systemd/70-tutor-badge-reader.rules "$rules"
udevadm control --reload 2>/dev/null && udevadm trigger --subsystem-match=input 2>/dev/null || true
systemctl daemon-reload
systemctl enable --now tutor.service
echo "Installed; status: systemctl status tutor, log: journalctl -u tutor -f"
echo "Trainers: sudo usermod -aG $trainers NAME (then log in again) to use tutor report and tutor session"
