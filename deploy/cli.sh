# Command-line manners shared by the scripts, sourced before they look at their arguments:
# --help prints the usage at once, before anything is built, started or connected; a wrong
# argument prints one line naming it, then the usage, and exits 2. A script's usage is its header
# comment (from its "usage:" line to the first line that is not a comment), or the file named by
# CLI_USAGE_FILE.

# The script as run from the repository's root (deploy/local/run), however it was invoked.
cli_program="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cli_program="${cli_program#"$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"/}"

cli_usage() {
  if [ -n "${CLI_USAGE_FILE:-}" ]; then
    cat "$CLI_USAGE_FILE"
  else
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  fi
}

# cli_error MESSAGE: the wrong argument named on one line, then the usage; exits 2.
cli_error() {
  echo "$cli_program: $*" >&2
  echo >&2
  cli_usage >&2
  exit 2
}

# cli_port OPTION VALUE: fails unless VALUE is a TCP port number.
cli_port() {
  [[ "$2" =~ ^[0-9]{1,5}$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 65535 ] ||
    cli_error "option '$1' needs a port number (1-65535), got '$2'"
}
