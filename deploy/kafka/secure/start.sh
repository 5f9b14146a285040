#!/usr/bin/env bash
# Start the docker-compose broker: on first start, format its storage with the SCRAM users of
# SPEC §11 (passwords from the secret files), then run Kafka with server.properties.
# The storage tool takes its arguments from a Java argument file on a private tmpfs, so no
# password is ever on a command line; printf is a shell builtin and starts no process.
set -euo pipefail
# Where the image keeps things; overridable so the test suite can run this very script.
kafka_home=${KAFKA_HOME:-/opt/kafka}
config=${CASEWATCH_KAFKA_CONFIG:-/etc/casewatch/kafka/server.properties}
secrets=${CASEWATCH_SECRETS_DIR:-/run/secrets}
data=$(sed -n 's/^log\.dirs=//p' "$config")
if [[ ! -f $data/meta.properties ]]; then
    umask 077
    args=$(mktemp -p /dev/shm)
    trap 'rm -f "$args"' EXIT
    {
        printf '"%s"\n' -cp "$kafka_home/libs/*" kafka.tools.StorageTool format \
            -t "${CLUSTER_ID:?}" -c "$config"
        for secret in "$secrets"/kafka-scram-*; do
            user=${secret#"$secrets"/kafka-scram-}
            IFS= read -r password < "$secret"
            printf '"%s"\n' --add-scram "SCRAM-SHA-512=[name=${user},password=${password}]"
        done
    } > "$args"
    java "@$args"
    rm -f "$args"
fi
exec "$kafka_home/bin/kafka-server-start.sh" "$config"
