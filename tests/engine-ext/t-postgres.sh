#!/bin/bash
# PostgreSQL 15 from Debian's packages: the postmaster and its workers
# (checkpointer, background writer, WAL writer, autovacuum, a backend
# per client), their shared buffers in shared anonymous memory written by
# the workers, a SysV shm interlock segment, TCP and unix listeners.  A
# psql client stays connected over TCP through dump and restore
# (--tcp-established): its session goes on (the sequence it draws from
# continues), the data is there, and new clients connect over the unix
# socket.  Skips (77) without postgresql-15.
. "$(dirname "$0")/../engine/lib.sh"

PGB=/usr/lib/postgresql/15/bin
[ -x "$PGB/postgres" ] || { echo "SKIP: postgresql-15 not installed (apt-get install postgresql-15)"; exit 77; }
command -v psql >/dev/null || { echo "SKIP: no psql"; exit 77; }
id postgres >/dev/null 2>&1 || { echo "SKIP: no postgres user"; exit 77; }
command -v nft >/dev/null || [ -x /usr/sbin/nft ] || { echo "SKIP: nft not installed (apt-get install nftables)"; exit 77; }

PORT=$((20000 + RANDOM % 20000))
chmod 755 "$T"
mkdir -p "$T/pg" "$T/sock"
touch "$T/pg.log"
chown postgres "$T/pg" "$T/sock" "$T/pg.log"
su postgres -c "$PGB/initdb -D $T/pg -A trust -U postgres" >"$T/initdb.log" 2>&1 ||
	fail "initdb: $(tail -n 3 "$T/initdb.log")"
cat >>"$T/pg/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$T/sock'
CONF
su postgres -c "setsid $PGB/postgres -D $T/pg </dev/null >$T/pg.log 2>&1 &"
wait_for 10 test -s "$T/pg/postmaster.pid" || fail "postgres did not start: $(tail -n 3 "$T/pg.log")"
P=$(head -n 1 "$T/pg/postmaster.pid"); PIDS="$P"
SHM=""
cleanup_pg() {
	kill -9 "$P" $(cat /proc/$P/task/$P/children 2>/dev/null) 2>/dev/null
	for s in $SHM; do ipcrm -m "$s" 2>/dev/null; done
	cleanup
}
trap cleanup_pg EXIT
q() { psql -X -q -At -h "$T/sock" -p "$PORT" -U postgres -c "$1" 2>&1; }
wait_for 10 sh -c "psql -X -At -h $T/sock -p $PORT -U postgres -c 'select 1' >/dev/null 2>&1" ||
	fail "postgres does not answer: $(tail -n 3 "$T/pg.log")"
q "create table t(i int); insert into t select generate_series(1, 1000); create sequence s;" >/dev/null

# the client: one psql session over TCP, fed through a FIFO
mkfifo "$T/in"
psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres <"$T/in" >"$T/out" 2>"$T/psql.err" &
C=$!; PIDS="$PIDS $C"
exec 7>"$T/in"
ask() { # SQL EXPECTED: one query on the client's connection
	local n=$(wc -l <"$T/out")
	echo "$1" >&7
	wait_for 10 sh -c "[ \$(wc -l <$T/out) -gt $n ]" || return 1
	[ "$(tail -n 1 "$T/out")" = "$2" ]
}
for i in 1 2 3; do ask "select nextval('s');" "$i" || fail "client: nextval $i: $(tail -n 1 "$T/out") $(cat "$T/psql.err")"; done
SHM=$(awk '/\/SYSV/ { print $5 }' /proc/$P/maps | sort -u)
[ -n "$SHM" ] || echo "note: postgres holds no SysV segment"
KIDS=$(cat /proc/$P/task/$P/children | wc -w)

dump "$P" "$T/img" --tcp-established
wait_for 5 gone "$P" || fail "postmaster $P alive after dump"
decode_all "$T/img"
restore_d "$T/img" --tcp-established
alive "$P" || fail "postmaster not back"
ask "select nextval('s');" 4 || fail "client session did not go on: $(tail -n 1 "$T/out") $(cat "$T/psql.err")"
ask "select count(*) from t;" 1000 || fail "client: table lost: $(tail -n 1 "$T/out")"
[ "$(q 'insert into t values (1001); select count(*) from t;')" = 1001 ] ||
	fail "new client over the unix socket: $(q 'select count(*) from t;') $(tail -n 3 "$T/pg.log")"
[ "$(psql -X -At -h 127.0.0.1 -p "$PORT" -U postgres -c 'select max(i) from t' 2>&1)" = 1001 ] ||
	fail "new client over TCP failed"
[ "$(cat /proc/$P/task/$P/children | wc -w)" -ge "$KIDS" ] || fail "postmaster lost workers"
grep -E 'PANIC|terminated by signal' "$T/pg.log" && fail "postgres complained after restore"
exec 7>&-
echo "PASS: postgres ($((KIDS + 1)) processes) kept its client session and data (nextval 3 -> 4)"
