"""The e-mail digest of a `follow run`: what is new per follow, as plain text, sent through the SMTP server
named in the settings (host, port, starttls/ssl/none, user, password, from, to)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from ..config import Settings
from ..errors import AssistantError


def digest_text(result: dict[str, Any]) -> str:
    lines: list[str] = []
    for follow in result["follows"]:
        if not follow["new"] and not follow["answer_changed"]:
            continue
        lines.append(f"== {follow['name']} ==")
        for item in follow["new"]:
            where = ", ".join(str(x) for x in (item.get("body"), item.get("date"), item.get("case_number")) if x)
            lines.append(f"- {item.get('title')} ({where})" + (f"\n  {item['url']}" if item.get("url") else ""))
        if follow["answer_changed"]:
            lines += ["Svaret har endret seg.", "Før:", follow["answer_changed"]["before"]["answer"] if follow["answer_changed"]["before"] else "-",
                      "Nå:", follow["answer_changed"]["after"]["answer"]]
        lines.append("")
    return "\n".join(lines)


def send_digest(settings: Settings, result: dict[str, Any]) -> bool:
    "Sends the digest when there is news; False when there was nothing to send."
    body = digest_text(result)
    if not body.strip():
        return False
    if not settings.smtp_host or not settings.mail_to.strip():
        raise AssistantError("e-mail needs ASSISTANT_SMTP_HOST and ASSISTANT_MAIL_TO (see .env.example)")
    message = EmailMessage()
    message["Subject"] = f"Nytt fra kommunale vedtak: {sum(len(f['new']) for f in result['follows'])} nye dokumenter"
    message["From"] = settings.mail_from
    message["To"] = ", ".join(a.strip() for a in settings.mail_to.split(",") if a.strip())
    message.set_content(body)
    try:
        if settings.smtp_tls == "ssl":
            server = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=30, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        with server:
            if settings.smtp_tls == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise AssistantError(f"sending the digest through {settings.smtp_host}:{settings.smtp_port} failed: {exc}") from exc
    return True
