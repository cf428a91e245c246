"""The `fieldkeep` command: serve, migrate, seed, manage users, check the installation."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from server import __version__, db, demo
from server.auth import service
from server.auth.tables import ROLES, AppUser
from server.keys.tags import upgrade_key_tags
from server.patrols.checklist import upgrade_checklists
from server.permits.demo import seed_permits
from server.secret_files import load_or_create_secret
from server.settings import Settings, SettingsError
from server.sites.tables import Site
from server.syncing.engine import open_engine, open_store

ROLE_NAMES_ZH = {
    "patrol": "客服专员",
    "environment": "环境主管",
    "cashier": "车辆收费员",
    "supervisor": "客服主管",
    "manager": "客户服务部经理",
    "admin": "系统管理员",
}


class CliError(Exception):
    pass


async def _with_db(settings: Settings) -> None:
    db.configure(db.engine_from_url(settings.database.url))


async def _migrate(settings: Settings) -> None:
    """Apply migrations, then build the projection tables that are new or changed."""
    await db.migrate(db.engine_from_url(settings.database.url))
    async with open_store(settings) as store:
        for name in await store.outdated_projections():
            _rebuilt(name, await store.reproject(name))
    async with open_engine(settings) as engine:
        made = await upgrade_checklists(engine)
        moved = await upgrade_key_tags(engine)
    if made:
        print(
            f"巡查清单：已按语言保存 {made} 个新版本 / checklists: {made} new versions", flush=True
        )
    if moved:
        print(
            f"钥匙标签：{moved} 把钥匙改存标签哈希 / key tags: {moved} keys now hashed", flush=True
        )


def _rebuilt(collection: str, count: int) -> None:
    print(f"{collection}: 已重建 {count} 行 / {count} rows rebuilt", flush=True)


async def cmd_migrate(settings: Settings) -> None:
    await _migrate(settings)
    print("数据库已是最新 / database migrated")


def _demo_password(settings: Settings) -> str:
    """FIELDKEEP_DEMO_PASSWORD, else one generated once and kept in the data folder."""
    given = os.environ.get("FIELDKEEP_DEMO_PASSWORD")
    if given:
        return given
    return load_or_create_secret(settings.data_dir, "demo_password", None).decode()[:16]


async def cmd_seed(settings: Settings, if_empty: bool, records: bool = True) -> None:
    await _migrate(settings)
    password = _demo_password(settings)
    if await demo.database_is_empty():
        site_ids = await demo.seed_demo(password)
        await demo.seed_synced(settings, site_ids, records=records)
        await seed_permits(settings)
        print("已创建演示数据 / demo data created")
    elif not if_empty:
        raise CliError("数据库非空，未写入演示数据 / the database is not empty; nothing seeded")
    present = await demo.demo_users_present()
    if present:
        print(f"演示账号 / demo logins (密码 password: {password})")
        for user in present:
            roles = ", ".join(f"{ROLE_NAMES_ZH[r]} {r}" for r in user.roles)
            print(f"  {user.username:<10} {user.display_name:<6} {roles}")


async def _user_id(username: str) -> int:
    row = await AppUser.select(AppUser.id).where(AppUser.username == username).first()
    if row is None:
        raise CliError(f"用户不存在 / no such user: {username}")
    return int(row["id"])


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("密码 / password: ")
        if getpass.getpass("再次输入 / again: ") != password:
            raise CliError("两次输入不一致 / the passwords differ")
    else:
        raise CliError("use --password-stdin when not at a terminal")
    if len(password) < 8:
        raise CliError("密码至少 8 位 / a password has at least 8 characters")
    return password


async def cmd_user(settings: Settings, args: argparse.Namespace) -> None:
    await _with_db(settings)
    if args.action == "add":
        site_ids = []
        for code in args.site or []:
            row = await Site.select(Site.id).where(Site.code == code).first()
            if row is None:
                raise CliError(f"项目不存在 / no such site: {code}")
            site_ids.append(int(row["id"]))
        try:
            user_id = await service.create_user(
                args.username,
                _read_password(args.password_stdin),
                display_name=args.name or args.username,
                roles=args.role or [],
                site_ids=site_ids,
                phone=args.phone or "",
            )
        except service.UsernameTaken as exc:
            raise CliError(f"用户名已存在 / username taken: {exc}") from exc
        print(f"已创建用户 / user created: {args.username} (id {user_id})")
    elif args.action == "passwd":
        await service.set_password(
            await _user_id(args.username), _read_password(args.password_stdin)
        )
        print("密码已更新，原有登录已失效 / password changed; existing sessions ended")
    elif args.action == "disable":
        await service.set_active(await _user_id(args.username), False)
        print("用户已停用 / user disabled")


async def cmd_check(settings: Settings) -> bool:
    engine = db.engine_from_url(settings.database.url)
    db.configure(engine)
    print(f"fieldkeep {__version__}")
    print(f"data folder:  {settings.data_dir.resolve()}")
    kind = "SQLite" if settings.database.is_sqlite else "PostgreSQL"
    print(f"database:     {kind}")
    if not await db.database_reachable(engine):
        print("database reachable: NO")
        return False
    pending = await db.pending_migrations()
    print("database reachable: yes")
    print("migrations current: " + ("yes" if not pending else "NO, pending " + ", ".join(pending)))
    pwa = settings.server.pwa_dir / "index.html"
    print(f"PWA built:    {'yes' if pwa.is_file() else 'NO (run make run)'}")
    return not pending and await _check_photo_store(settings)


async def _check_photo_store(settings: Settings) -> bool:
    if settings.media.store != "s3" or settings.media.s3 is None:
        print(f"photos:       disk, {(settings.data_dir / 'media').resolve()}")
        return True
    from server.media.s3 import s3_storage
    from server.media.storage import StorageUnavailable

    store = s3_storage(settings.media.s3)
    try:
        await asyncio.to_thread(store.check)
    except StorageUnavailable as exc:
        print(f"photos:       {store.where} reachable: NO ({exc})")
        return False
    print(f"photos:       {store.where} reachable: yes")
    return True


async def cmd_purge_tombstones(settings: Settings) -> None:
    await _with_db(settings)
    async with open_engine(settings) as engine:
        purged = await engine.purge_tombstones()
    print(f"已清除 {purged} 条过期删除记录 / purged {purged} tombstones older than 90 days")


async def cmd_reproject(settings: Settings, collection: str | None) -> None:
    """Rebuild typed projection tables from the sync records (all, or one collection's)."""
    async with open_store(settings) as store:
        known = store.projected_collections
        if collection is not None and collection not in known:
            raise CliError(
                f"该集合没有投影表 / no projection for collection {collection!r}"
                f" (projected: {', '.join(known)})"
            )
        for name in [collection] if collection else known:
            _rebuilt(name, await store.reproject(name))


async def cmd_media_gc(settings: Settings, days: float) -> None:
    from server.media.gc import collect_garbage
    from server.media.service import media_storage

    await _with_db(settings)
    removed = await collect_garbage(media_storage(settings), days)
    for item in removed:
        print(f"  {item.sha256}  {item.bytes} B")
    total = sum(item.bytes for item in removed)
    count = len(removed)
    print(f"已删除 {count} 张照片，释放 {total} 字节 / removed {count} photos, {total} bytes")


async def cmd_media_migrate(settings: Settings) -> bool:
    """Copy the data folder's photos into the S3 bucket, reading every copy back to compare its
    hash; then check that every photo the database knows is in the bucket. Idempotent: run it
    before switching FIELDKEEP_MEDIA_STORE to s3, and again after, for photos uploaded between."""
    from server.media.s3 import s3_storage
    from server.media.storage import LocalDiskStorage, StorageUnavailable
    from server.media.tables import Media
    from server.media.transfer import copy_photos

    if settings.media.s3 is None:
        raise CliError(
            "未配置 S3：请设置 FIELDKEEP_S3_BUCKET（及端点、密钥）/"
            " S3 is not configured: set FIELDKEEP_S3_BUCKET (and its endpoint and keys)"
        )
    await _with_db(settings)
    source = LocalDiskStorage(settings.data_dir / "media")
    target = s3_storage(settings.media.s3)

    def noted(name: str, outcome: str) -> None:
        if outcome in ("replaced", "failed"):
            print(f"  {name}  {outcome}", flush=True)

    def run() -> tuple[int, int, int, list[str], set[str]]:
        target.check()
        report = copy_photos(source, target, compare_existing=True, progress=noted)
        return report.copied, report.present, report.replaced, report.failed, set(target.names())

    print(f"{source.where} → {target.where}", flush=True)
    try:
        copied, present, replaced, failed, in_bucket = await asyncio.to_thread(run)
    except StorageUnavailable as exc:
        raise CliError(f"S3 不可用 / S3 is unavailable: {exc}") from exc
    known = [r["sha256"] for r in await Media.select(Media.sha256)]
    missing = [
        sha256
        for sha256 in known
        if f"{sha256}.jpg" not in in_bucket or f"{sha256}-thumb.jpg" not in in_bucket
    ]
    for sha256 in missing:
        print(f"  {sha256}  missing", flush=True)
    print(
        f"照片文件：复制 {copied}，已存在且一致 {present}，不一致已重传 {replaced}，"
        f"失败 {len(failed)} / photo files: {copied} copied, {present} already there and identical,"
        f" {replaced} differed and were copied again, {len(failed)} failed"
    )
    print(
        f"数据库中的照片 {len(known)} 张，桶中缺失 {len(missing)} 张"
        f" / {len(known)} photos in the database, {len(missing)} missing from the bucket"
    )
    return not failed and not missing


async def cmd_push_run(settings: Settings, once: bool) -> None:
    """The push sender as its own process (with FIELDKEEP_PUSH_SENDER=0 on the servers, or
    beside them: senders never send a message twice)."""
    import signal

    from server.push.sender import Sender

    engine = db.engine_from_url(settings.database.url)
    db.configure(engine)
    sender = Sender(settings)
    if once:
        try:
            work = await sender.run_once(check=True)
        finally:
            await sender.close()
        print(f"推送：完成 {work} 项 / push: {work} items done")
        return
    pooled = not settings.database.is_sqlite
    if pooled:
        await db.start_pool(engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print("推送发送程序已启动 / push sender running", flush=True)
    try:
        await sender.run(stop)
    finally:
        if pooled:
            await engine.close_connection_pool()  # type: ignore[no-untyped-call]


async def cmd_permits_rotate_key(settings: Settings, site_code: str | None) -> None:
    """A new signing key for the site (every site without --site); old keys still verify."""
    from server.permits.keys import rotate_key

    await _with_db(settings)
    query = Site.select(Site.id, Site.code).order_by(Site.id)
    if site_code:
        query = query.where(Site.code == site_code)
    sites = await query
    if site_code and not sites:
        raise CliError(f"项目不存在 / no such site: {site_code}")
    for site in sites:
        key = await rotate_key(settings, site["id"])
        print(f"{site['code']}: 新密钥 / new key {key.kid}")


async def cmd_backup(settings: Settings, destination: Path, photos: bool) -> None:
    from server.backup import BackupError, backup

    try:
        folder = await backup(settings, destination, photos)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    print(f"已备份到 / backed up to {folder}")


async def cmd_restore(settings: Settings, folder: Path) -> None:
    from server.backup import BackupError, restore

    try:
        epoch = await restore(settings, folder)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    await _migrate(settings)
    print(f"已恢复，新同步纪元 / restored, new sync epoch {epoch}: 各设备下次同步时重新下载")


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        days = -1
    if not 0 <= days < 36_500:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}")
    return days


def cmd_serve(settings: Settings, workers: int) -> None:
    import uvicorn

    logging.basicConfig(level=settings.server.log_level.upper())
    asyncio.run(_migrate(settings))
    print(
        f"Fieldkeep 已启动 / serving on http://{settings.server.host}:{settings.server.port}",
        flush=True,
    )
    if workers > 1:
        # Each worker builds its app from the same environment.
        uvicorn.run(
            "server.app:app_from_env",
            factory=True,
            host=settings.server.host,
            port=settings.server.port,
            workers=workers,
            log_level=settings.server.log_level,
            proxy_headers=False,
        )
    else:
        from server.app import create_app

        uvicorn.run(
            create_app(settings),
            host=settings.server.host,
            port=settings.server.port,
            log_level=settings.server.log_level,
            proxy_headers=False,
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldkeep", description="Fieldkeep 物业现场工具")
    parser.add_argument("--version", action="version", version=f"fieldkeep {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, then serve the app")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", help="apply database migrations")
    seed = sub.add_parser("seed", help="write demo data")
    seed.add_argument("--demo", action="store_true", required=True)
    seed.add_argument(
        "--if-empty", action="store_true", help="seed only an empty database; never an error"
    )
    seed.add_argument(
        "--no-records",
        dest="records",
        action="store_false",
        help="master data only: no demo keys, patrols or findings (tests that count records)",
    )
    user = sub.add_parser("user", help="manage users")
    user_sub = user.add_subparsers(dest="action", required=True)
    add = user_sub.add_parser("add")
    add.add_argument("username")
    add.add_argument("--name", help="display name")
    add.add_argument("--phone")
    add.add_argument("--role", action="append", choices=ROLES)
    add.add_argument("--site", action="append", help="site code (repeatable)")
    add.add_argument("--password-stdin", action="store_true")
    passwd = user_sub.add_parser("passwd")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    disable = user_sub.add_parser("disable")
    disable.add_argument("username")
    sub.add_parser("check", help="check configuration, database and migrations")
    media = sub.add_parser("media", help="manage stored photos")
    media_sub = media.add_subparsers(dest="action", required=True)
    gc = media_sub.add_parser("gc", help="remove photos no record has held for --days days")
    gc.add_argument("--days", type=_days, default=7.0)
    media_sub.add_parser(
        "migrate", help="copy the data folder's photos into the S3 bucket, verifying each hash"
    )
    sync_cmd = sub.add_parser("sync", help="sync maintenance")
    sync_sub = sync_cmd.add_subparsers(dest="action", required=True)
    sync_sub.add_parser("purge", help="forget tombstones older than 90 days (run daily)")
    reproject = sync_sub.add_parser(
        "reproject", help="rebuild the typed projection tables from the sync records"
    )
    reproject.add_argument("--collection", help="only this collection's table")
    push = sub.add_parser("push", help="web push notifications")
    push_sub = push.add_subparsers(dest="action", required=True)
    push_run = push_sub.add_parser("run", help="run the push sender until stopped")
    push_run.add_argument("--once", action="store_true", help="one round, then exit")
    permits = sub.add_parser("permits", help="permits and cards")
    permits_sub = permits.add_subparsers(dest="action", required=True)
    rotate = permits_sub.add_parser("rotate-key", help="a new signing key; old keys still verify")
    rotate.add_argument("--site", help="site code (default: every site)")
    backup = sub.add_parser("backup", help="back up the database, photos and secrets")
    backup.add_argument("destination", type=Path, help="folder to write the backup folder in")
    backup.add_argument(
        "--no-photos",
        dest="photos",
        action="store_false",
        help="leave the photos in their store (an S3 bucket with versioning of its own)",
    )
    restore = sub.add_parser("restore", help="restore a backup (stop the server first)")
    restore.add_argument("folder", type=Path, help="a folder written by `fieldkeep backup`")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        if args.host:
            os.environ["FIELDKEEP_HOST"] = args.host
        if args.port:
            os.environ["FIELDKEEP_PORT"] = str(args.port)
    try:
        settings = Settings.from_env()
        if args.command == "serve":
            cmd_serve(settings, args.workers)
        elif args.command == "migrate":
            asyncio.run(cmd_migrate(settings))
        elif args.command == "seed":
            asyncio.run(cmd_seed(settings, args.if_empty, args.records))
        elif args.command == "user":
            asyncio.run(cmd_user(settings, args))
        elif args.command == "sync" and args.action == "purge":
            asyncio.run(cmd_purge_tombstones(settings))
        elif args.command == "sync":
            asyncio.run(cmd_reproject(settings, args.collection))
        elif args.command == "check":
            return 0 if asyncio.run(cmd_check(settings)) else 1
        elif args.command == "media" and args.action == "migrate":
            return 0 if asyncio.run(cmd_media_migrate(settings)) else 1
        elif args.command == "media":
            asyncio.run(cmd_media_gc(settings, args.days))
        elif args.command == "push":
            asyncio.run(cmd_push_run(settings, args.once))
        elif args.command == "permits":
            asyncio.run(cmd_permits_rotate_key(settings, args.site))
        elif args.command == "backup":
            asyncio.run(cmd_backup(settings, args.destination, args.photos))
        elif args.command == "restore":
            asyncio.run(cmd_restore(settings, args.folder))
    except (CliError, SettingsError) as exc:
        print(f"fieldkeep: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
