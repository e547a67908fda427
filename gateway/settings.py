"""The one settings object: a YAML file named by GATEWAY_CONFIG, with environment overrides."""
from __future__ import annotations

import base64
import os
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AliasChoices, BaseModel, Field, HttpUrl, field_validator, model_validator
from gateway.location.crs import normalize_crs
from gateway.redis_address import host_and_port, sentinel_database, url_password
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config" / "gateway.yaml"

_FILE_DATA: ContextVar[dict[str, Any]] = ContextVar("gateway_settings_file", default={})

Edition = Literal["cjt214-2007", "gbt30428-2013", "gbt47678-2026"]


class PlatformSettings(BaseModel):
    """One supervision platform that receives cases by signed webhook."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    url: HttpUrl
    secret: str = Field(min_length=16)
    edition: Edition = "gbt30428-2013"
    enabled: bool = True
    timeout: float = Field(default=10.0, gt=0, le=120)
    crs: str = Field(default="wgs84", description="Datum of coordinates sent to this platform")
    kind: Literal["webhook", "open311"] = Field(default="webhook", description="Wire format: our signed webhook, or Open311 GeoReport v2")
    service_codes: dict[str, str] = Field(default={}, description="open311: class id -> the server's service_code (default: the minor code)")
    pull_interval: float = Field(default=300.0, gt=0, description="open311: seconds between pulls of request status")
    max_in_flight: int = Field(default=32, ge=1, le=1000, description="Deliveries on their way to this platform at once, over all workers")
    rate_per_second: float | None = Field(default=None, gt=0, description="Most deliveries a second to this platform, over all workers; none: no limit")

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, value: str) -> str:
        return normalize_crs(value)


class DeliverySettings(BaseModel):
    """Retry, circuit-breaker and sweeper timing of the outbox."""

    backoff_base: float = Field(default=10.0, gt=0)
    backoff_max: float = Field(default=3600.0, gt=0)
    retry_window_hours: float = Field(default=48.0, ge=24.0)
    breaker_failures: int = Field(default=5, ge=1)
    probe_interval: float = Field(default=30.0, gt=0)
    probe_interval_max: float = Field(default=600.0, gt=0)
    sweep_interval: float = Field(default=15.0, gt=0)
    stale_claim_seconds: float = Field(default=300.0, gt=0)
    drain_seconds: float = Field(default=10.0, gt=0, description="How long one worker job drains the outbox before it lets other jobs run")
    media_link_days: float = Field(default=14.0, gt=0, description="How long the signed links to recordings in a payload stay good")

    @model_validator(mode="after")
    def _links_outlive_retries(self) -> DeliverySettings:
        if self.media_link_days * 24 <= self.retry_window_hours:
            raise ValueError(f"media_link_days ({self.media_link_days}) must outlast the retry window ({self.retry_window_hours} h)")
        return self


class IntakeSettings(BaseModel):
    """Limits of what the public API accepts."""

    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    max_text_chars: int = Field(default=5000, gt=0)
    max_photo_bytes: int = Field(default=8 * 1024 * 1024, gt=0)
    max_photo_pixels: int = Field(default=40_000_000, gt=0, description="Width × height a photo may have; more is refused before it is decoded")
    photo_workers: int = Field(default=2, ge=1, le=32, description="Photos decoded and cleaned at once, off the event loop")
    classify_threshold: float | None = Field(default=None, ge=0, le=1, description="None: the thresholds chosen for the model on the test sets, one per kind of text (language, note or letter)")
    callback_tolerance_seconds: int = Field(default=300, gt=0)


class WebSettings(BaseModel):
    """Limits of the public web form (channels/web)."""

    reports_per_ip_per_hour: int = Field(default=20, ge=1)
    reports_per_contact_per_hour: int = Field(default=5, ge=1)
    max_photos: int = Field(default=4, ge=0, le=8)
    max_form_bytes: int = Field(default=24 * 1024 * 1024, gt=0)
    hints_per_ip_per_hour: int = Field(default=1200, ge=1, description="Live hint requests (class, address, nearby) from one address")
    status_checks_per_case_per_hour: int = Field(default=5, ge=1, description="Tries of a phone's last four digits on one case's status page")
    status_checks_per_ip_per_hour: int = Field(default=30, ge=1, description="Tries of last four digits, on any case, from one address")


class Open311Settings(BaseModel):
    """The Open311 GeoReport v2 channel (channels/open311): what its public reads show, and its discovery document."""

    public_descriptions: Literal["off", "masked", "full"] = Field(
        default="masked", description="What unauthenticated reads show of citizens' words: masked: descriptions and notes with phone, "
        "ID and plate numbers, names and e-mail addresses masked, the address cut to its road or estate, coordinates to about 100 m; "
        "off: no description or note at all (place as in masked); full: everything as written")
    contact: str | None = Field(default=None, max_length=300, description="discovery.json: who runs this endpoint (an address, a phone line)")
    key_service: str | None = Field(default=None, max_length=300, description="discovery.json: where a client asks for an api_key")


class TelegramSettings(BaseModel):
    """The Telegram bot (channels/messaging/telegram); token and secret usually come from the environment."""

    token: str = Field(min_length=1)
    webhook_secret: str = Field(min_length=16, pattern=r"^[A-Za-z0-9_-]{16,256}$")
    api_base_url: str = "https://api.telegram.org"
    state_ttl_seconds: int = Field(default=3600, ge=60, description="A conversation left this long starts over")
    reports_per_user_per_hour: int = Field(default=5, ge=1)
    messages_per_user_per_minute: int = Field(default=30, ge=1)
    max_photos: int = Field(default=4, ge=0, le=8)


class WechatSettings(BaseModel):
    """The WeChat official account (channels/messaging/wechat); secrets usually come from the environment."""

    token: str = Field(min_length=1, max_length=128, description="The token set in the account's server configuration (服务器配置)")
    app_id: str = Field(min_length=1, max_length=64)
    app_secret: str = Field(min_length=1)
    encoding_aes_key: str = Field(default="", description="43 characters of base64 (EncodingAESKey); empty: plain mode")
    api_base_url: str = Field(default="https://api.weixin.qq.com", description="WeChat's API (a local one in tests)")
    status_template_id: str | None = Field(default=None, description="Template message for status changes outside the 48 h window; none: those wait for the user")
    template_fields: dict[str, str] = Field(
        default={"text": "first", "case": "keyword1", "status": "keyword2", "note": "remark"},
        description="Our values (text, case, status, note) -> the keys of the template's data")
    timestamp_tolerance_seconds: int = Field(default=300, ge=30, description="Callbacks signed longer ago than this are refused as replays")
    reply_seconds: float = Field(default=4.0, gt=0, le=4.5, description="Time to answer in the response; later answers go as customer-service messages")
    state_ttl_seconds: int = Field(default=3600, ge=60, description="A conversation left this long starts over")
    reports_per_user_per_hour: int = Field(default=5, ge=1)
    messages_per_user_per_minute: int = Field(default=30, ge=1)
    max_photos: int = Field(default=4, ge=0, le=8)

    @field_validator("encoding_aes_key")
    @classmethod
    def _aes_key(cls, value: str) -> str:
        if value and (len(value) != 43 or len(_b64decode(value + "=")) != 32):
            raise ValueError("encoding_aes_key must be the 43 characters of the account's EncodingAESKey")
        return value


def _b64decode(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return b""


class MailSettings(BaseModel):
    """The SMTP server that carries e-mail to reporters who gave an address."""

    host: str
    port: int = Field(default=587, gt=0, lt=65536)
    sender: str = Field(min_length=3, description="From: address")
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = Field(default=20.0, gt=0)


class MailboxSettings(BaseModel):
    """One IMAP mailbox the mayor's mailbox channel (channels/mail) takes letters from."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    host: str
    port: int = Field(default=993, gt=0, lt=65536)
    tls: bool = Field(default=True, description="Implicit TLS (IMAPS); false: plain IMAP, for a server on this host or a private network")
    ca_file: Path | None = Field(default=None, description="Certificates to trust besides the system's (a city's own CA), PEM")
    user: str
    password: str | None = Field(default=None, description="Usually from GATEWAY_MAILBOX_<ID>_PASSWORD")
    folder: str = "INBOX"
    after: Literal["flag", "move"] = Field(default="flag", description="A letter taken is flagged (\\Seen, $GatewayTaken) or moved")
    move_to: str = Field(default="Processed", description="after: move: the folder taken letters go to")


class MailSmtpSettings(BaseModel):
    """Letters delivered straight to the gateway by SMTP, for the domains named only (no relay)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=2525, gt=0, lt=65536)
    domains: list[str] = Field(default=[], description="Recipient domains taken; any other recipient is refused")


class MailIntakeSettings(BaseModel):
    """The mayor's mailbox (市长信箱, channels/mail): IMAP mailboxes polled and an optional SMTP listener."""

    mailboxes: list[MailboxSettings] = []
    poll_seconds: float = Field(default=60.0, gt=0, description="Between polls of a mailbox that offers no IDLE (and between IDLE renewals)")
    smtp: MailSmtpSettings = MailSmtpSettings()
    max_message_bytes: int = Field(default=25 * 1024 * 1024, gt=0, description="A larger letter is refused without being downloaded")
    letters_per_sender_per_hour: int = Field(default=10, ge=1, description="More letters from one address are skipped (a mail bomb)")
    batch: int = Field(default=100, ge=1, description="Letters taken from one mailbox per round")

    @field_validator("mailboxes")
    @classmethod
    def _unique_mailbox_ids(cls, mailboxes: list[MailboxSettings]) -> list[MailboxSettings]:
        ids = [m.id for m in mailboxes]
        if len(ids) != len(set(ids)):
            raise ValueError(f"mailbox ids must be unique: {ids}")
        return mailboxes


class CalendarSettings(BaseModel):
    """Working time for time limits: Monday–Friday 08:00–12:00 and 14:00–18:00 China time, adjusted by these."""

    holidays: list[date] = []
    workdays: list[date] = Field(default=[], description="Weekend days declared working days (调休)")


class HotlineLine(BaseModel):
    """One number callers dial, and how its calls are answered."""

    number: str = Field(pattern=r"^\+?[0-9A-Za-z_.-]{1,32}$", description="The dialled number (user part of the request URI, or the Twilio number)")
    language: Literal["zh", "en", "choice"] = Field(default="zh", description="choice: 1 中文 / 2 English before anything else")
    agent_uri: str | None = Field(default=None, description="SIP URI of the agent queue calls are handed to; none: straight to voicemail")


class SipSettings(BaseModel):
    """The 12319 hotline over SIP (channels/hotline/sip): PJSUA2 workers, each holding at most 4 calls."""

    enabled: bool = False
    bind_address: str = "127.0.0.1"
    public_address: str | None = Field(default=None, description="Address advertised in SIP and SDP; default bind_address")
    port: int = Field(default=5070, gt=0, lt=65536, description="SIP port of the first worker; worker n listens on port + 2n")
    rtp_port: int = Field(default=40000, gt=0, lt=65536, description="First RTP port of the first worker; each worker takes 100")
    workers: int = Field(default=1, ge=1, le=64, description="Workers `gateway dev` starts")
    registrar: str | None = Field(default=None, description="sip:host[:port] to register with (trunk or PBX); none: direct INVITEs only")
    registrar_fallback: str | None = None
    username: str | None = None
    password: str | None = None
    realm: str = "*"
    register_seconds: int = Field(default=300, ge=60)
    lines: list[HotlineLine] = [HotlineLine(number="12319", language="zh"), HotlineLine(number="12319-en", language="en")]
    agent_answer_seconds: float = Field(default=20.0, gt=0, description="No agent within this: the caller is offered voicemail")
    service_hours: list[str] = Field(default=["08:00-20:00"], description="China time spans in which agents answer")
    voicemail_max_seconds: float = Field(default=120.0, gt=1)
    voicemail_silence_seconds: float = Field(default=5.0, gt=0)
    prompts_dir: Path | None = Field(default=None, description="A city's own recordings, by the names in channels/hotline/prompts")
    transcriber: str | None = Field(default=None, description="package.module:ClassName of a voicemail transcriber; none: no transcripts")


class TwilioSettings(BaseModel):
    """Twilio voice lines and SMS / WhatsApp (channels/hotline/twilio, channels/messaging/twilio)."""

    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    auth_token: str = Field(min_length=16)
    api_base_url: str = Field(default="https://api.twilio.com", description="REST API (a local one in tests)")
    lines: list[HotlineLine] = []
    sms_from: str | None = Field(default=None, description="Number SMS notifications are sent from")
    whatsapp_from: str | None = Field(default=None, description="whatsapp:+… sender of WhatsApp notifications")
    transcription: bool = False
    follow_up_hours: float = Field(default=3.0, gt=0, description="Messages from one sender within this join their report")


class ConsoleSettings(BaseModel):
    """The agents' and administrators' console (channels/web/console)."""

    session_key: str | None = Field(default=None, description="32 url-safe base64 bytes (Fernet key); none: a new key each start")
    session_hours: float = Field(default=12.0, gt=0)
    free_login_failures: int = Field(default=3, ge=1, description="Failed sign-ins of one name from one address before delays start")
    login_delay_seconds: float = Field(default=1.0, gt=0, description="The first delay; it doubles with each further failure")
    login_delay_max_seconds: float = Field(default=900.0, gt=0, description="The longest delay")


class FieldSettings(BaseModel):
    """Phones of supervisors and community liaisons (channels/field): enrolment, GPS checks, on-site tasks."""

    enrol_minutes: float = Field(default=15.0, gt=0, description="How long an enrolment code (the console's QR code) stays good")
    max_accuracy_m: float = Field(default=100.0, gt=0, description="A GPS fix less precise than this is refused")
    warn_accuracy_m: float = Field(default=30.0, gt=0, description="A GPS fix less precise than this is taken with a warning")
    grid_margin_m: float = Field(default=300.0, ge=0, description="A report this far outside every grid of its reporter is refused")
    take_minutes: float = Field(default=10.0, gt=0, description="A task nobody took within this goes to the next supervisor on duty")
    verify_hours: float = Field(default=1.0, gt=0, description="核实 due within this many working hours, unless the platform says when")
    check_hours: float = Field(default=1.0, gt=0, description="核查 due within this many working hours, unless the platform says when")


class Settings(BaseSettings):
    """Everything the gateway reads at start-up. Secrets may come from the environment."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_nested_delimiter="__", extra="forbid")

    database_url: str = Field(
        default="sqlite+aiosqlite:///var/gateway.db",
        validation_alias=AliasChoices("database_url", "GATEWAY_DATABASE_URL", "DATABASE_URL"),
    )
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("redis_url", "GATEWAY_REDIS_URL", "REDIS_URL"))
    redis_sentinels: Annotated[list[str], NoDecode] = Field(default=[], description="Sentinels (host:port) that name the Redis master; none: redis_url names the server")
    redis_sentinel_master: str | None = Field(default=None, description="The master's service name the sentinels monitor")
    redis_sentinel_password: str | None = Field(default=None, description="Password of the sentinels themselves (their requirepass)")
    redis_password: str | None = Field(default=None, description="Password of the Redis server (the master and its replicas behind Sentinel)")
    queue_name: str = "gateway"
    public_base_url: str = "http://127.0.0.1:8080"
    log_level: str = "INFO"
    metrics_token: str | None = Field(default=None, min_length=16, description="Bearer token /metrics requires; none: /metrics answers only this machine (loopback, not through a proxy)")
    bootstrap_api_key: str | None = None
    city_dir: Path | None = REPO_ROOT / "config" / "cities" / "sample"
    media_dir: Path = REPO_ROOT / "var" / "media"
    classifier_model_dir: Path | None = Field(default=None, description="Trained models; default CLASSIFIER_MODEL_DIR or var/classifier")
    channels: list[str] = Field(default=["web", "open311", "hotline.sip", "field"], description="Channel packages under channels/ whose setup(app) runs at start-up")
    platforms: list[PlatformSettings] = []
    delivery: DeliverySettings = DeliverySettings()
    calendar: CalendarSettings = CalendarSettings()
    mail: MailSettings | None = None
    mail_intake: MailIntakeSettings = MailIntakeSettings()
    intake: IntakeSettings = IntakeSettings()
    web: WebSettings = WebSettings()
    open311: Open311Settings = Open311Settings()
    telegram: TelegramSettings | None = None
    wechat: WechatSettings | None = None
    sip: SipSettings = SipSettings()
    twilio: TwilioSettings | None = None
    console: ConsoleSettings = ConsoleSettings()
    field: FieldSettings = FieldSettings()
    tile_url: str | None = Field(default=None, description="Map tiles {z}/{x}/{y} for the map pick; none: no map, the form still works")
    tile_crs: str = Field(default="wgs84", description="Datum the tiles are drawn in (gcj02 for AMap or Tencent tiles)")

    @field_validator("platforms")
    @classmethod
    def _unique_platform_ids(cls, platforms: list[PlatformSettings]) -> list[PlatformSettings]:
        ids = [p.id for p in platforms]
        if len(ids) != len(set(ids)):
            raise ValueError(f"platform ids must be unique: {ids}")
        return platforms

    @field_validator("tile_crs")
    @classmethod
    def _known_tile_crs(cls, value: str) -> str:
        return normalize_crs(value)

    @field_validator("redis_url", "redis_sentinel_master", "redis_sentinel_password", "redis_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("redis_sentinels", mode="before")
    @classmethod
    def _sentinel_list(cls, value: Any) -> Any:
        """GATEWAY_REDIS_SENTINELS is comma-separated; the file may give a list or the same string."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("redis_sentinels")
    @classmethod
    def _sentinel_addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            host_and_port(address)
        if len({host_and_port(a) for a in value}) != len(value):
            raise ValueError(f"redis_sentinels names a sentinel twice: {', '.join(value)}")
        return value

    @model_validator(mode="after")
    def _redis_combination(self) -> Settings:
        if self.redis_sentinels and not self.redis_sentinel_master:
            raise ValueError("redis_sentinels is set but redis_sentinel_master is not: give the service name the sentinels monitor")
        if self.redis_sentinel_master and not self.redis_sentinels:
            raise ValueError("redis_sentinel_master is set but redis_sentinels is not: list the sentinels as host:port")
        if self.redis_sentinel_password and not self.redis_sentinels:
            raise ValueError("redis_sentinel_password is set but redis_sentinels is not")
        if self.redis_sentinels and self.redis_url:
            sentinel_database(self.redis_url)
        if self.redis_password and not (self.redis_url or self.redis_sentinels):
            raise ValueError("redis_password is set but neither redis_url nor redis_sentinels says which Redis")
        if self.redis_password and self.redis_url and url_password(self.redis_url):
            raise ValueError("redis_url carries a password and redis_password gives another: keep one")
        return self

    @property
    def redis_configured(self) -> bool:
        """A Redis is named: one server by redis_url, or a master behind redis_sentinels."""
        return bool(self.redis_url or self.redis_sentinels)

    def platform(self, platform_id: str) -> PlatformSettings | None:
        return next((p for p in self.platforms if p.id == platform_id), None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _FileSource(settings_cls))


class _FileSource(PydanticBaseSettingsSource):
    """The YAML file's values: below the environment and explicit arguments."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return _FILE_DATA.get().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_FILE_DATA.get())


def _platform_secret_overrides(data: dict[str, Any]) -> None:
    """GATEWAY_PLATFORM_<ID>_SECRET replaces the secret of that platform."""
    for platform in data.get("platforms") or []:
        key = "GATEWAY_PLATFORM_" + str(platform.get("id", "")).upper().replace("-", "_") + "_SECRET"
        if key in os.environ:
            platform["secret"] = os.environ[key]


def _mailbox_password_overrides(data: dict[str, Any]) -> None:
    """GATEWAY_MAILBOX_<ID>_PASSWORD gives the password of that mailbox."""
    for mailbox in (data.get("mail_intake") or {}).get("mailboxes") or []:
        key = "GATEWAY_MAILBOX_" + str(mailbox.get("id", "")).upper().replace("-", "_") + "_PASSWORD"
        if key in os.environ:
            mailbox["password"] = os.environ[key]


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read the YAML file (GATEWAY_CONFIG or config/gateway.yaml), apply env overrides, validate."""
    path = Path(path or os.environ.get("GATEWAY_CONFIG") or DEFAULT_CONFIG)
    data: dict[str, Any] = {}
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    _platform_secret_overrides(data)
    _mailbox_password_overrides(data)
    token = _FILE_DATA.set(data)
    try:
        return Settings(**overrides)
    finally:
        _FILE_DATA.reset(token)
