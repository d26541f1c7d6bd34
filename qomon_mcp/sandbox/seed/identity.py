"""Generated identities: names, emails, phone numbers and addresses.

Shared by the contact and user generators so that a user's own contact record
and the user carry the same name, email and phone, as in a live space.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any

from qomon_mcp.sandbox.seed.common import ascii_slug
from qomon_mcp.sandbox.seed.vocab import EU_FOREIGN_NAMES, City, region_vocab
from qomon_mcp.sandbox.space import Space

__all__ = ["Identity", "IdentityMaker"]

_DOMAINS = ("example.org", "example.com", "example.net")
_HOME_COUNTRIES = ("France", "United States")


@dataclass
class Identity:
    firstname: str
    surname: str
    gender: str
    city: City
    mail: str
    mobile: str
    phone: str


class IdentityMaker:
    def __init__(self, region: str, rng: random.Random) -> None:
        self.region, self.rng = region, rng
        self.vocab = region_vocab(region)
        self.cities = self.vocab.cities
        self.city_cum = list(itertools.accumulate(c.weight for c in self.cities))
        self.used_mails: set[str] = set()

    def city(self) -> City:
        return self.rng.choices(self.cities, cum_weights=self.city_cum)[0]

    def identity(self) -> Identity:
        rng = self.rng
        city = self.city()
        roll = rng.random()
        gender = "F" if roll < 0.49 else "M" if roll < 0.97 else "O"
        if city.country in _HOME_COUNTRIES:
            first_m, first_f, surnames = self.vocab.first_m, self.vocab.first_f, self.vocab.surnames
        else:
            first_m, first_f, surnames = EU_FOREIGN_NAMES
        pool = first_f if gender == "F" or (gender == "O" and rng.random() < 0.5) else first_m
        first, surname = rng.choice(pool), rng.choice(surnames)
        return Identity(
            first,
            surname,
            gender,
            city,
            self.mail(first, surname),
            self.number(city.mobile),
            self.number(city.phone),
        )

    def mail(self, first: str, surname: str) -> str:
        rng = self.rng
        f, s = ascii_slug(first), ascii_slug(surname)
        local = rng.choice((f"{f}.{s}", f"{f}.{s}", f"{f[0]}{s}", f"{f}_{s}", f"{s}.{f}"))
        domain = rng.choice(_DOMAINS)
        mail = f"{local}@{domain}"
        # Duplicate emails would make upsert matching ambiguous in the demo data.
        while mail in self.used_mails:
            mail = f"{local}{rng.randint(1, 99)}@{domain}"
        self.used_mails.add(mail)
        return mail

    def number(self, plan: tuple[str, int]) -> str:
        prefix, digits = plan
        number = f"{prefix}{self.rng.randrange(10**digits):0{digits}d}"
        # Imported contacts keep the national format they were typed in.
        if self.rng.random() < 0.15:
            if number.startswith("+33"):
                national = "0" + number[3:]
                return " ".join(national[i : i + 2] for i in range(0, 10, 2))
            if number.startswith("+1"):
                return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
        return number

    def address(self, space: Space, city: City) -> dict[str, Any]:
        rng = self.rng
        index = rng.randrange(len(city.postcodes))
        postcode = city.postcodes[index]
        citycode = city.citycodes[index] if len(city.citycodes) > 1 else next(iter(city.citycodes), None)
        us = city.country == "United States"
        apartment = rng.random() < (0.35 if us else 0.45)
        if city.country == "France":
            station = f"Bureau {rng.randint(1, 60)}"
        elif us:
            station = f"Precinct {rng.randint(1, 80)}"
        else:
            station = None
        housenumber = str(rng.randint(1, 9999 if us else 180))
        if not us and rng.random() < 0.04:
            housenumber += " bis"
        return {
            "id": space.next_id(),
            "housenumber": housenumber,
            "street": rng.choice(self.vocab.streets),
            "postalcode": postcode,
            "citycode": citycode,
            "city": city.name,
            "state": city.state,
            "country": city.country,
            "addition": (f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}" if us else f"Bâtiment {rng.choice('ABC')}")
            if apartment and rng.random() < 0.3
            else None,
            "infos": None,
            "building": rng.choice("ABC") if apartment and not us else None,
            "floor": str(rng.randint(0, 8)) if apartment else None,
            "door": str(rng.randint(1, 40)) if apartment else None,
            "pollingstation": station,
            "score": round(rng.uniform(0.55, 1.0), 2),
            "latitude": round(city.lat + rng.uniform(-0.03, 0.03), 6),
            "longitude": round(city.lon + rng.uniform(-0.04, 0.04), 6),
            "location": None,
            # A few addresses the geocoder could not place, as after a messy import.
            "invalid": rng.random() < 0.01,
        }
