"""scripts/bench-events: figures for the event stream and the reminders, on PostgreSQL.

1. Fan-out: two instances (A, B) on one database; N streams spread over both (users with
   several devices each); writes through A; the time from sending a write to its event
   reaching each of that user's streams on B: p50, p99, max; every stream must get every
   event of its user exactly once, in order.
2. kill -9: B is killed while writes go on through A; B's clients reconnect to A with
   Last-Event-ID; then the other way round, the instance taking the writes is killed and the
   writers carry on through the one holding the streams; lost and duplicated events counted.
3. Idle streams on one process: memory per stream (RSS), CPU at idle, and the regular API's
   list-100 throughput (wrk) with and without them.
4. Reminders: R reminders due within one minute, two instances claiming: each fires exactly
   once; lateness (fired at - remind_at) median, p99, max.

The machine may be shared: the figures are what this run measured, not a guarantee.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from scripts.bench.events_bench.servers import Server, seeded_tokens, serving, throwaway_database
from scripts.bench.events_bench.streams import StreamClient

TASKS = "/api/v1/tasks"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def open_streams(clients: list[StreamClient]) -> list[asyncio.Task[None]]:
    tasks = [asyncio.create_task(client.run()) for client in clients]
    await asyncio.wait_for(asyncio.gather(*(client.opened.wait() for client in clients)), timeout=120)
    return tasks


async def fan_out(a: Server, b: Server, tokens: list[str], devices: int, writes: int) -> None:
    per_user = {
        token: [StreamClient(b.url if i % 2 else a.url, token) for i in range(devices)] for token in tokens
    }
    clients = [client for group in per_user.values() for client in group]
    started = time.monotonic()
    tasks = await open_streams(clients)
    print(
        f"fan-out: {len(clients)} streams open ({len(tokens)} users x {devices} devices,"
        " half on each instance)"
        f" in {time.monotonic() - started:.1f} s"
    )
    sent: dict[str, tuple[str, float]] = {}
    async with httpx.AsyncClient(base_url=a.url, timeout=30) as http:

        async def write(index: int) -> None:
            token = random.choice(tokens)
            at = time.monotonic()
            response = await http.post(
                TASKS, json={"title": f"w{index}"}, headers={"Authorization": f"Bearer {token}"}
            )
            response.raise_for_status()
            sent[response.json()["id"]] = (token, at)

        for start in range(0, writes, 4):
            await asyncio.gather(*(write(i) for i in range(start, min(writes, start + 4))))
            await asyncio.sleep(0.01)
    expected = {token: sum(1 for t, _ in sent.values() if t == token) for token in tokens}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
        len(c.events) < expected[t] for t, group in per_user.items() for c in group
    ):
        await asyncio.sleep(0.1)
    latencies, lost, duplicated, disordered = [], 0, 0, 0
    for token, group in per_user.items():
        for client in group:
            seqs = [event.seq for event in client.events]
            duplicated += len(seqs) - len(set(seqs))
            disordered += int(seqs != sorted(seqs))
            lost += expected[token] - len(set(seqs))
            if client.base_url == b.url:
                latencies += [
                    event.at - sent[event.entity][1] for event in client.events if event.entity in sent
                ]
    print(
        f"fan-out: {len(sent)} writes through A, {len(latencies)} deliveries to streams on B:"
        f" p50 {ms(statistics.median(latencies))}, p99 {ms(percentile(latencies, 0.99))},"
        f" max {ms(max(latencies))}; lost {lost}, duplicated {duplicated}, out of order {disordered}"
    )
    for client in clients:
        client.close()
    await asyncio.gather(*tasks)


async def kill_one(database_url: str, a: Server, tokens: list[str], writes: int) -> None:
    with serving(database_url, EVENTS_HEARTBEAT_SECONDS="15") as b:
        clients = [StreamClient(b.url, token) for token in tokens]
        tasks = await open_streams(clients)
        acknowledged: dict[str, int] = dict.fromkeys(tokens, 0)
        async with httpx.AsyncClient(base_url=a.url, timeout=30) as http:
            for index in range(writes):
                token = tokens[index % len(tokens)]
                response = await http.post(
                    TASKS, json={"title": f"k{index}"}, headers={"Authorization": f"Bearer {token}"}
                )
                if response.status_code == 201:
                    acknowledged[token] += 1
                if index == writes // 2:
                    b.kill()  # kill -9 mid-stream
                    await asyncio.gather(*tasks)
                    for client in clients:
                        client.base_url = a.url  # reconnect elsewhere, resuming by Last-Event-ID
                    tasks = await open_streams(clients)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(len(c.events) < acknowledged[c.token] for c in clients):
            await asyncio.sleep(0.1)
        lost = sum(max(0, acknowledged[c.token] - len({e.seq for e in c.events})) for c in clients)
        duplicated = sum(len(c.events) - len({e.seq for e in c.events}) for c in clients)
        print(
            f"kill -9 of the streams' instance mid-run: {sum(acknowledged.values())} acknowledged writes,"
            f" {len(clients)} streams resumed on the other instance by Last-Event-ID:"
            f" lost {lost}, duplicated {duplicated}"
        )
        for client in clients:
            client.close()
        await asyncio.gather(*tasks)


def wrk_list(server: Server, token: str, seconds: int) -> float:
    script = 'wrk.headers["Authorization"] = "Bearer ' + token + '"\n'
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
        path = file.name
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", path, f"{server.url}{TASKS}?limit=100"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in output.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise RuntimeError(output)


async def kill_writer(database_url: str, b: Server, tokens: list[str], writes: int) -> None:
    """The other way round: the streams stay on B while the instance taking the writes is
    killed with -9 mid-run and the writers carry on through B."""
    clients = [StreamClient(b.url, token) for token in tokens]
    tasks = await open_streams(clients)
    acknowledged: dict[str, int] = dict.fromkeys(tokens, 0)
    with serving(database_url) as writer:
        base_url = writer.url
        for index in range(writes):
            token = tokens[index % len(tokens)]
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
                try:
                    response = await http.post(
                        TASKS, json={"title": f"x{index}"}, headers={"Authorization": f"Bearer {token}"}
                    )
                except httpx.TransportError:
                    continue  # cut by the kill: not acknowledged
            if response.status_code == 201:
                acknowledged[token] += 1
            if index == writes // 2:
                writer.kill()  # kill -9 of the instance the writes go through
                base_url = b.url
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(len(c.events) < acknowledged[c.token] for c in clients):
        await asyncio.sleep(0.1)
    lost = sum(max(0, acknowledged[c.token] - len({e.seq for e in c.events})) for c in clients)
    duplicated = sum(len(c.events) - len({e.seq for e in c.events}) for c in clients)
    print(
        f"kill -9 of the writes' instance mid-run: {sum(acknowledged.values())} acknowledged writes,"
        f" {len(clients)} streams on the other instance: lost {lost}, duplicated {duplicated}"
    )
    for client in clients:
        client.close()
    await asyncio.gather(*tasks)


async def idle_streams(
    database_url: str, tokens: list[str], devices: int, idle_seconds: int, wrk_seconds: int
) -> None:
    with serving(database_url) as server:
        reader = tokens[0]
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            body = {"operations": [{"op": "create", "task": {"title": f"t{i}"}} for i in range(100)]}
            (
                await http.post(f"{TASKS}/batch", json=body, headers={"Authorization": f"Bearer {reader}"})
            ).raise_for_status()
        warm = [StreamClient(server.url, tokens[0])]
        warm_tasks = await open_streams(warm)
        await asyncio.to_thread(wrk_list, server, reader, 3)  # warm-up (pool, caches, JIT-free plans)
        without = await asyncio.to_thread(wrk_list, server, reader, wrk_seconds)
        await asyncio.sleep(2)
        before = server.rss_kib()
        clients = [StreamClient(server.url, token) for token in tokens for _ in range(devices)]
        tasks = await open_streams(clients)
        await asyncio.sleep(2)
        after = server.rss_kib()
        cpu0, wall0 = server.cpu_seconds(), time.monotonic()
        await asyncio.sleep(idle_seconds)
        cpu = (server.cpu_seconds() - cpu0) / (time.monotonic() - wall0)
        with_streams = await asyncio.to_thread(wrk_list, server, reader, wrk_seconds)
        print(
            f"idle streams: {len(clients)} on one process: RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB,"
            f" {(after - before) / len(clients):.1f} KiB per stream; CPU at idle {cpu * 100:.1f} % of a core"
            f" over {idle_seconds} s (heartbeat every 15 s)"
        )
        print(
            f"list-100 throughput (wrk, 16 connections, {wrk_seconds} s):"
            f" {without:.0f} req/s without streams,"
            f" {with_streams:.0f} req/s with {len(clients)} idle streams"
            f" ({(with_streams / without - 1) * 100:+.1f} %)"
        )
        for client in clients:
            client.close()
        await asyncio.gather(*tasks)
        again = await asyncio.to_thread(wrk_list, server, reader, wrk_seconds)
        print(f"list-100 throughput again once the streams closed: {again:.0f} req/s (the run-to-run noise)")
        for client in warm:
            client.close()
        await asyncio.gather(*warm_tasks)


async def reminders(database_url: str, tokens: list[str], count: int) -> None:
    env = {"REMINDER_POLL_SECONDS": "0.5"}
    with serving(database_url, **env) as a, serving(database_url, **env) as b:
        first_due = datetime.now(UTC) + timedelta(seconds=20)
        async with httpx.AsyncClient(timeout=60) as http:
            for start in range(0, count, 100):
                ops = []
                for index in range(start, min(count, start + 100)):
                    remind_at = first_due + timedelta(seconds=40 * index / count)
                    ops.append(
                        {"op": "create", "task": {"title": f"r{index}", "remind_at": remind_at.isoformat()}}
                    )
                token = tokens[(start // 100) % len(tokens)]
                url = (a.url, b.url)[(start // 100) % 2]
                (
                    await http.post(
                        f"{url}{TASKS}/batch",
                        json={"operations": ops},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                ).raise_for_status()
        if datetime.now(UTC) > first_due:
            print("reminders: writing them took longer than the lead time; figures include that")

        def fired() -> list[tuple[str, datetime, datetime]]:
            with psycopg.connect(database_url) as connection:
                rows = connection.execute(
                    "SELECT data, created_at FROM events WHERE kind = 'reminder.due'"
                ).fetchall()
            return [
                (json.loads(d)["task_id"], datetime.fromisoformat(json.loads(d)["remind_at"]), at)
                for d, at in rows
            ]

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(fired()) < count:
            await asyncio.sleep(0.5)
        rows = fired()
        lateness = [(at - remind_at).total_seconds() for _task, remind_at, at in rows]
        print(
            f"reminders: {count} due within 40 s, two instances claiming every 0.5 s: fired {len(rows)},"
            f" distinct {len({task for task, _r, _a in rows})};"
            f" lateness median {statistics.median(lateness):.2f} s, p99 {percentile(lateness, 0.99):.2f} s,"
            f" max {max(lateness):.2f} s"
        )


async def run(options: argparse.Namespace) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with throwaway_database(options.database_url) as database_url:
        users = max(1, options.streams // options.devices)
        tokens = seeded_tokens(database_url, users)
        if "fanout" in options.parts or "kill" in options.parts:
            with serving(database_url) as a, serving(database_url) as b:
                if "fanout" in options.parts:
                    await fan_out(a, b, tokens, options.devices, options.writes)
                if "kill" in options.parts:
                    await kill_one(database_url, a, tokens[: min(len(tokens), 100)], options.writes)
                    await kill_writer(database_url, b, tokens[: min(len(tokens), 100)], options.writes)
        if "idle" in options.parts:
            await idle_streams(
                database_url, tokens, options.devices, options.idle_seconds, options.wrk_seconds
            )
        if "reminders" in options.parts:
            await reminders(database_url, tokens[:10], options.reminders)


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench-events", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL server; the bench creates and drops a database of its own",
    )
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--devices", type=int, default=10, help="streams per user")
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=int, default=20)
    parser.add_argument("--wrk-seconds", type=int, default=10, help="each list-100 throughput run")
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["fanout", "kill", "idle", "reminders"],
        choices=["fanout", "kill", "idle", "reminders"],
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
