"""The streaming commands: broker, acl, topics, worker, rebuild, publish, clock, alerts,
notify, managers and demo."""

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from casewatch.cli.arguments import add_format, timestamp
from casewatch.cli.files import job_count
from casewatch.engine.policy import Policy
from casewatch.errors import CommandError
from casewatch.kafka.settings import Settings


def register(commands: Any) -> None:
    broker = commands.add_parser("broker", help="a local single-node Kafka broker (KRaft)")
    broker.add_argument("action", choices=("start", "stop", "status", "credentials"),
                        help="credentials (with --secure): make the CA, certificates, passwords "
                        "and client settings files only, e.g. for docker-compose.yml")
    broker.add_argument("--secure", action="store_true",
                        help="SASL_SSL (SCRAM-SHA-512) with TLS and ACLs, on 127.0.0.1:9094, "
                        "state and client settings in .kafka/secure (SPEC §11)")
    broker.add_argument("--home", type=Path, help="broker state directory (default "
                        ".kafka/broker, or .kafka/secure with --secure)")
    broker.add_argument("--port", type=int, help="default 9092, or 9094 with --secure")
    broker.add_argument("--controller-port", type=int, help="default 9093, or 9095 with --secure")
    broker.set_defaults(run=_broker)

    acl = commands.add_parser("acl", help="grant each principal what SPEC §11 allows it")
    acl.add_argument("action", choices=("apply", "list"))
    acl.add_argument("--regions", help="comma-separated region slugs to grant their teams "
                     "(default: every region that has an alert topic)")
    _kafka_flags(acl)
    acl.set_defaults(run=_acl)

    topics = commands.add_parser("topics", help="create the casewatch topics")
    topics.add_argument("action", choices=("create",))
    _kafka_flags(topics)
    topics.add_argument("--regions", default="",
                        help="comma-separated region slugs whose alert topics to create now "
                        "(the worker creates others when it first sees the region)")
    topics.add_argument("--events-retention-days", type=int,
                        help="days the input topic keeps case events (default "
                        "$CASEWATCH_EVENTS_RETENTION_DAYS or 400)")
    topics.set_defaults(run=_topics)

    worker = commands.add_parser("worker", help="run the streaming worker (faust)")
    _kafka_flags(worker)
    worker.add_argument("--clock", choices=("wall", "event"))
    worker.add_argument("--state-dir", type=Path)
    worker.add_argument("--web-port", type=int)
    worker.add_argument("--app-id")
    worker.add_argument("--tick-seconds", type=float)
    worker.add_argument("--policy", type=Path, help="TOML file overriding deadline defaults")
    worker.add_argument("--exit-on-stall", action="store_true", default=None,
                        help="exit non-zero when a partition stalls, for a supervisor that "
                        "restarts on exit (default $CASEWATCH_EXIT_ON_STALL or false)")
    worker.add_argument("--loglevel", default="warning")
    worker.set_defaults(run=_worker)

    rebuild = commands.add_parser(
        "rebuild", help="compute a fresh deployment's table, alerts and offsets in bulk from "
        "the input topic (SPEC §14)")
    _kafka_flags(rebuild)
    rebuild.add_argument("--app-id", help="the deployment to rebuild: its worker group, table "
                         "changelog and offsets (default $CASEWATCH_APP_ID or casewatch)")
    rebuild.add_argument("--policy", type=Path, help="TOML file overriding deadline defaults, "
                         "as its workers will run")
    rebuild.add_argument("--jobs", type=job_count, default=len(os.sched_getaffinity(0)),
                         help="processes computing cases side by side (default: one per CPU "
                         "this process may use)")
    rebuild.set_defaults(run=_rebuild)

    publish = commands.add_parser("publish", help="publish JSON Lines of case events")
    publish.add_argument("path", help="JSON Lines file, or - for standard input")
    _kafka_flags(publish)
    publish.set_defaults(run=_publish)

    clock = commands.add_parser("clock", help="advance the workers' clock (event-clock mode)")
    clock.add_argument("action", choices=("advance",))
    clock.add_argument("to", help="RFC 3339 instant with offset")
    _kafka_flags(clock)
    clock.set_defaults(run=_clock)

    alerts = commands.add_parser("alerts", help="follow a region's alerts")
    alerts.add_argument("action", choices=("follow",))
    alerts.add_argument("--region", required=True)
    alerts.add_argument("--from-beginning", action="store_true",
                        help="start with every alert's current state")
    alerts.add_argument("--group", help="consumer group, to resume where the team left off")
    add_format(alerts, "text", "json")
    alerts.add_argument("--idle-exit", type=float,
                        help="stop after this many seconds without a message")
    _kafka_flags(alerts)
    alerts.set_defaults(run=_alerts)

    notify = commands.add_parser(
        "notify", help="forward every regional alert to Alertmanager (SPEC §10)")
    notify.add_argument("--regions", help="comma-separated regions whose alerts to forward "
                        "(default: every region with an alert topic)")
    notify.add_argument("--alertmanager", action="append", metavar="URL",
                        help="an Alertmanager base URL, e.g. http://alertmanager:9093; repeat "
                        "for each of an HA cluster (default $CASEWATCH_ALERTMANAGER_URLS)")
    notify.add_argument("--app-id")
    _kafka_flags(notify)
    notify.set_defaults(run=_notify)

    serve = commands.add_parser(
        "serve", help="the managers' worklist, live, in the browser (sign-in required)")
    serve.add_argument("--regions", help="comma-separated regions whose alerts to show "
                       "(default: every region with an alert topic)")
    serve.add_argument("--port", type=int, dest="serve_port",
                       help="port to listen on (default $CASEWATCH_SERVE_PORT or 6069)")
    _kafka_flags(serve)
    serve.set_defaults(run=_serve)

    managers = commands.add_parser(
        "managers", help="the manager directory as the Alertmanager template that addresses "
        "case emails")
    managers.add_argument("action", choices=("template",))
    managers.add_argument("directory", type=Path, help="TOML: fallback = address, and "
                          "[managers] id = address (see deploy/alertmanager/"
                          "managers.example.toml)")
    managers.set_defaults(run=_managers)
    register_demo(commands)


def _notify(args: argparse.Namespace) -> int:
    from casewatch.delivery.notify import notify

    own_lines("casewatch.notify")  # what it serves, failed posts, refusals
    settings = settings_from(args)
    urls = args.alertmanager or [u.strip() for u in settings.alertmanager_urls.split(",")
                                 if u.strip()]
    regions = [r.strip() for r in (args.regions or "").split(",") if r.strip()]
    with suppress(KeyboardInterrupt), kafka_errors(settings, "notify"):
        notify(settings, regions, urls)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from casewatch.web.serve import serve

    own_lines("casewatch.serve")  # sign-ins, refusals, silences made, the topics followed
    settings = settings_from(args)
    regions = [r.strip() for r in (args.regions or "").split(",") if r.strip()]
    with suppress(KeyboardInterrupt), kafka_errors(settings, "serve"):
        serve(settings, regions)
    return 0


def _managers(args: argparse.Namespace) -> int:
    from casewatch.delivery.directory import DirectoryError, parse, template

    try:
        text = args.directory.read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read {args.directory}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{args.directory} is not a TOML file (not UTF-8 text)") from None
    try:
        sys.stdout.write(template(parse(text)))
    except DirectoryError as error:
        raise CommandError(f"{args.directory}: {error}") from None
    return 0


def register_demo(commands: Any) -> None:
    demo = commands.add_parser("demo", help="the streaming path end to end on a local broker")
    demo.add_argument("path", type=Path, help="JSON Lines of case events to publish")
    demo.add_argument("--workdir", type=Path, default=Path(".demo"))
    demo.set_defaults(run=_demo)


def _demo(args: argparse.Namespace) -> int:
    from casewatch.cli.demo import run_demo
    from casewatch.kafka.broker import BrokerError

    try:
        return 0 if run_demo(args.path, args.workdir) else 1
    except BrokerError as error:
        print(f"casewatch: the streaming demo needs a local Kafka broker: {error}",
              file=sys.stderr)
        return 3  # ./run demo falls back to the replay demo


def _kafka_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers "
                        "(default $CASEWATCH_BOOTSTRAP_SERVERS or localhost:9092)")
    parser.add_argument("--partitions", type=int,
                        help="partitions of the input, ticks and alert topics (default 4)")


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        settings = Settings.from_env()
    except ValueError as error:
        raise CommandError(str(error)) from None
    overrides: dict[str, Any] = {}
    for flag, field in (("bootstrap", "bootstrap_servers"), ("partitions", "partitions"),
                        ("clock", "clock"), ("state_dir", "state_dir"), ("web_port", "web_port"),
                        ("app_id", "app_id"), ("tick_seconds", "tick_seconds"),
                        ("serve_port", "serve_port"), ("exit_on_stall", "exit_on_stall")):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[field] = value
    return replace(settings, **overrides)


def _broker(args: argparse.Namespace) -> int:
    from casewatch.kafka.acl import DEFAULT_REGIONS
    from casewatch.kafka.broker import DEFAULT_HOME, SECURE_HOME, Broker, BrokerError

    secure = args.secure
    broker = Broker(home=args.home or (SECURE_HOME if secure else DEFAULT_HOME),
                    port=args.port or (9094 if secure else 9092),
                    controller_port=args.controller_port or (9095 if secure else 9093),
                    secure=secure, regions=DEFAULT_REGIONS if secure else ())
    try:
        if args.action == "start":
            broker.start()
            print(f"Kafka broker listening on {broker.bootstrap} (state in {broker.home})")
            if secure:
                _announce_secure(broker)
        elif args.action == "credentials":
            if not secure:
                raise CommandError("credentials are for the secure broker: add --secure")
            from casewatch.kafka.acl import principals

            broker.material.ensure(principals(broker.regions))
            print(f"Credentials for the secure broker in {broker.home} (existing ones kept)")
        elif args.action == "stop":
            broker.stop()
            print("Kafka broker stopped")
        else:
            running = broker.running()
            print(f"Kafka broker {'running on ' + broker.bootstrap if running else 'stopped'}")
            return 0 if running else 1
    except BrokerError as error:
        raise CommandError(str(error)) from None
    return 0


def _announce_secure(broker: Any) -> None:
    from casewatch.kafka.secure import apply_initial_acls

    with kafka_errors(broker.material.settings("casewatch-admin"), "apply the ACLs"):
        created = apply_initial_acls(broker.material, broker.regions)
    print(f"SASL_SSL with SCRAM-SHA-512; anyone not granted is refused; {created} ACL(s) "
          f"created now.\nClient settings, one file per principal (passwords in files beside "
          f"them):")
    for path in sorted(broker.material.clients.glob("*.env")):
        print(f"  {path}")
    print("Use one with: set -a; . FILE; set +a")


def _acl(args: argparse.Namespace) -> int:
    from casewatch.kafka import acl
    from casewatch.kafka.admin import alert_regions

    settings = settings_from(args)
    with kafka_errors(settings, f"{args.action} ACLs"):
        if args.action == "list":
            for grant in acl.existing(settings):
                print(grant.line())
            return 0
        if args.regions is not None:
            regions = [r.strip() for r in args.regions.split(",") if r.strip()]
        else:
            regions = alert_regions(settings)
        created, others = acl.apply(settings, acl.grants(settings, regions))
    print(f"{created} ACL(s) created; regions granted: {', '.join(sorted(regions)) or 'none'}")
    if others:
        print(f"{len(others)} other ACL(s) on the broker are not casewatch's plan; "
              "`casewatch acl list` shows them all", file=sys.stderr)
    return 0


def own_lines(logger: str) -> None:
    """A long-running service's own log lines on standard error, and only those: the Kafka
    client's come to one line through kafka_errors, as for every command."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] [%(levelname)s] %(message)s"))
    own = logging.getLogger(logger)
    own.addHandler(handler)
    own.setLevel(logging.INFO)
    own.propagate = False


@contextmanager
def kafka_errors(settings: Settings, doing: str) -> Iterator[None]:
    """Report a Kafka failure as one line naming what was being done, where, and why."""
    from kafka.errors import KafkaError

    from casewatch.kafka.security import RefusalLog

    with RefusalLog.listening() as refusals:
        try:
            yield
        except KafkaError as error:
            if refusals.reason:
                why = f"the broker refused {settings.sasl_username or 'this client'}: " \
                      f"{refusals.reason}"
            elif "Unable to bootstrap" in str(error):
                # The broker's reason for a refused login only sometimes reaches the client
                # before it drops the connection: say what to check.
                sasl = settings.security_protocol.startswith("SASL_")
                who = f" as {settings.sasl_username}" if sasl else ""
                why = (f"no broker accepted a {settings.security_protocol} connection{who} "
                       "(is it running, and does it expect this protocol"
                       f"{', user, password and CA' if who else ''}?)")
            else:
                why = str(error)
            raise CommandError(f"cannot {doing} on {settings.bootstrap_servers}: {why}") from None


def _topics(args: argparse.Namespace) -> int:
    from casewatch.kafka.admin import create_topics, replication_warning

    settings = settings_from(args)
    if args.events_retention_days is not None:
        settings = replace(settings, events_retention_days=args.events_retention_days)
    regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    with kafka_errors(settings, "create topics"):
        created = create_topics(settings, regions)
    warning = replication_warning(settings)
    if created and warning:
        print(warning, file=sys.stderr)
    print(f"created {len(created)} topic(s): {', '.join(created) or 'all existed already'}")
    return 0


def _worker(args: argparse.Namespace) -> int:
    from casewatch.kafka.admin import replication_warning
    from casewatch.private import keep_private
    from casewatch.runtime import tune_gc
    from casewatch.worker.app import run_worker

    settings = settings_from(args)
    policy = Policy.load(args.policy) if args.policy else Policy()
    warning = replication_warning(settings)
    if warning:
        print(warning, file=sys.stderr)
    keep_private(settings.state_dir)
    tune_gc()
    run_worker(settings, policy, args.loglevel)
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from casewatch.rebuild.bulk import rebuild
    from casewatch.runtime import tune_gc

    settings = settings_from(args)
    policy = Policy.load(args.policy) if args.policy else Policy()
    tune_gc()
    with kafka_errors(settings, "rebuild"):
        done = rebuild(settings, policy, args.jobs)
    print(done.line(settings))
    return 0


def _publish(args: argparse.Namespace) -> int:
    from casewatch.inputs import opened
    from casewatch.kafka.publish import publish

    settings = settings_from(args)
    with kafka_errors(settings, "publish"), opened(args.path, "publish") as (stream, progress):
        sent = publish(settings, stream, progress)
    print(f"published {sent} messages to {settings.events_topic}", file=sys.stderr)
    return 0


def _clock(args: argparse.Namespace) -> int:
    from casewatch.worker.clock import advance

    settings = settings_from(args)
    try:
        moment = timestamp(args.to)
    except argparse.ArgumentTypeError as error:
        raise CommandError(str(error)) from None
    with kafka_errors(settings, "advance the clock"):
        count = advance(settings, moment)
    print(f"clock advanced to {moment.isoformat()} on {count} partitions", file=sys.stderr)
    return 0


def _alerts(args: argparse.Namespace) -> int:
    from casewatch.kafka.follow import follow, print_alerts

    settings = settings_from(args)
    try:
        with kafka_errors(settings, "follow alerts"):
            print_alerts(follow(settings, args.region, from_beginning=args.from_beginning,
                                group=args.group, idle_exit=args.idle_exit),
                         as_json=args.format == "json")
    except KeyboardInterrupt:
        pass
    return 0
