"""Party names as minutes write them ("Arbeiderpartiet", "Ap", "AP") and the short forms they are shown by."""

from __future__ import annotations

PARTIES = {
    "arbeiderpartiet": "AP", "ap": "AP", "a": "AP", "høyre": "H", "h": "H", "senterpartiet": "SP", "sp": "SP",
    "fremskrittspartiet": "FRP", "frp": "FRP", "sosialistisk venstreparti": "SV", "sv": "SV", "rødt": "R", "r": "R",
    "venstre": "V", "v": "V", "kristelig folkeparti": "KRF", "krf": "KRF", "miljøpartiet de grønne": "MDG",
    "mdg": "MDG", "pensjonistpartiet": "PP", "pp": "PP", "industri- og næringspartiet": "INP", "inp": "INP",
    "uavhengig": "UAVH", "uavh": "UAVH", "uav": "UAVH", "partiet sentrum": "PS", "folkelista": "FL",
}
# How a question names a party ("Høyre", "Ap", "SV") → the short form.
QUESTION_NAMES = {
    **{k: v for k, v in PARTIES.items() if len(k) > 1},
    "arbeidarpartiet": "AP", "framstegspartiet": "FRP", "miljøpartiet": "MDG", "kristeleg folkeparti": "KRF",
    "labour": "AP", "conservatives": "H", "centre party": "SP", "progress party": "FRP", "socialist left": "SV",
    "red party": "R", "liberals": "V",
}


def party_code(name: str | None) -> str | None:
    "'Arbeiderpartiet' → 'AP'; an unknown name is kept, upper-cased when it is short."
    if not name:
        return None
    cleaned = " ".join(name.split()).strip(" .,")
    code = PARTIES.get(cleaned.casefold())
    if code:
        return code
    return cleaned.upper() if len(cleaned) <= 5 else cleaned
