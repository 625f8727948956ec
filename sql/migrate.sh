#!/usr/bin/env bash
# sql/migrate.sh: applies sql/migrations/NNN_name.sql files that schema_migrations does not list
# yet, in name order, and records each one. No ORM, no down-migrations: a schema change is a new
# file.
#
# Environment:
#   MARIADB_SOCKET  unix socket of the server (required)
#   DB_NAME         database (default medusa); it must exist
#   DB_USER         user (default root); a password, if any, comes from MYSQL_PWD (never argv)
#
# Each file runs in one client session as START TRANSACTION; <file>; INSERT record; COMMIT.
# Files of plain DML (002_countries) are therefore all-or-nothing with their record. DDL
# auto-commits in MariaDB, so for a DDL file the record is written only after every statement
# succeeded; a failure stops the run with the file name and the server's error, and the
# file stays unrecorded.
set -euo pipefail

die() { printf 'migrate: %s\n' "$*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MIGRATIONS="$ROOT/sql/migrations"

: "${MARIADB_SOCKET:?migrate: MARIADB_SOCKET is not set}"
DB_NAME=${DB_NAME:-medusa}
DB_USER=${DB_USER:-root}
# Names go into SQL text and the client's argv: accept only plain identifiers.
[[ $DB_NAME =~ ^[A-Za-z0-9_]+$ ]] || die "bad DB_NAME '$DB_NAME'"
[[ $DB_USER =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad DB_USER '$DB_USER'"
[ -S "$MARIADB_SOCKET" ] || die "no server socket at '$MARIADB_SOCKET'"
command -v mariadb >/dev/null || die "the mariadb client is not installed"

# --no-defaults: never pick up a system my.cnf (its socket, its user); utf8mb4 so that
# non-ASCII text in migrations arrives intact.
db() {
    mariadb --no-defaults --socket="$MARIADB_SOCKET" --user="$DB_USER" \
        --default-character-set=utf8mb4 --batch --skip-column-names "$@" "$DB_NAME"
}

db -e "CREATE TABLE IF NOT EXISTS schema_migrations (
           version    VARCHAR(255) NOT NULL PRIMARY KEY,
           applied_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
       ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" \
    || die "cannot create schema_migrations in '$DB_NAME'"

applied=$(db -e "SELECT version FROM schema_migrations") \
    || die "cannot read schema_migrations in '$DB_NAME'"
declare -A done_set=()
while IFS= read -r v; do [ -n "$v" ] && done_set[$v]=1; done <<<"$applied"

shopt -s nullglob
files=("$MIGRATIONS"/[0-9][0-9][0-9]_*.sql)   # sorted; fixed-width unique numbers make it numeric order
[ ${#files[@]} -gt 0 ] || die "no migrations in '$MIGRATIONS'"

count=0
declare -A seen_num=()
for f in "${files[@]}"; do
    base=${f##*/}
    version=${base%.sql}
    # The version is written into SQL below: restrict it to a safe shape.
    [[ $version =~ ^[0-9]{3}_[A-Za-z0-9_]+$ ]] || die "bad migration file name '$base'"
    num=${version%%_*}
    [ -z "${seen_num[$num]:-}" ] || die "two migrations numbered $num: '${seen_num[$num]}' and '$base'"
    seen_num[$num]=$base
    [ -n "${done_set[$version]:-}" ] && continue

    # 'source' makes the client report errors as "at line N in file: '<path>'"; in batch
    # mode the first error aborts the session, so COMMIT and the record are never reached.
    if ! out=$(db --abort-source-on-error -e "START TRANSACTION;
source $f
INSERT INTO schema_migrations (version) VALUES ('$version');
COMMIT;" 2>&1); then
        printf '%s\n' "$out" >&2
        die "'$base' failed; it is not recorded (DDL before the error may have been applied)"
    fi
    [ -n "$out" ] && printf '%s\n' "$out"
    echo "migrate: applied $version"
    count=$((count + 1))
done

# Not a numbered migration: it runs after every run and changes only tables whose text still
# compares with PAD SPACE, including tables later migrations add (see the file).
if ! out=$(db --abort-source-on-error -e "source $ROOT/sql/byte_compare.sql" 2>&1); then
    printf '%s\n' "$out" >&2
    die "'sql/byte_compare.sql' failed"
fi
[ -n "$out" ] && printf '%s\n' "$out"

if [ $count -eq 0 ]; then
    echo "migrate: nothing to do, ${#done_set[@]} migration(s) already applied to '$DB_NAME'"
else
    echo "migrate: $count migration(s) applied to '$DB_NAME'"
fi
