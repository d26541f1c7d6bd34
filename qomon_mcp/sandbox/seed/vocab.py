"""Word lists for the demo spaces: names, places and tags, per region.

Names are common first names and surnames combined at random, so no record
describes a real person. Places are real cities with their real postal codes
(and INSEE codes in France) so address searches behave as on a live space.
Phone numbers are drawn from blocks set aside for fiction: ARCEP's
"01 99 00 ..." to "06 39 98 ..." blocks in France and 555-01xx in the US.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EU_FOREIGN_NAMES", "TAGS", "City", "Region", "region_vocab"]

# (name, color, weight): how often a contact carries the tag.
TAGS: list[tuple[str, str, float]] = [
    ("newsletter", "#1E88E5", 0.30),
    ("volunteer", "#43A047", 0.14),
    ("member", "#8E24AA", 0.12),
    ("donor", "#FB8C00", 0.10),
    ("petition", "#6D4C41", 0.12),
    ("event-2026", "#00ACC1", 0.08),
    ("canvasser", "#3949AB", 0.05),
    ("vip", "#E53935", 0.015),
    ("press", "#546E7A", 0.01),
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class City:
    name: str
    postcodes: tuple[str, ...]
    citycodes: tuple[str, ...]  # one per postcode, or a single shared code
    state: str | None
    country: str
    lat: float
    lon: float
    phone: tuple[str, int]  # landline: E.164 prefix, count of random digits after it
    mobile: tuple[str, int]
    weight: float


@dataclass(frozen=True)
class Region:
    first_m: tuple[str, ...]
    first_f: tuple[str, ...]
    surnames: tuple[str, ...]
    cities: tuple[City, ...]
    streets: tuple[str, ...]
    # country of birth -> (nationality, cities of birth)
    births: dict[str, tuple[str, tuple[str, ...]]]
    locale: str
    currency: str


_FR_M = _words(
    "Jean Pierre Louis Lucas Hugo Thomas Nicolas Julien Antoine Mathieu Alexandre Maxime Guillaume "
    "Romain Olivier Philippe Michel Alain Patrick Christophe Sébastien Frédéric Laurent Théo Gabriel "
    "Arthur Jules Léo Raphaël Nathan Karim Mehdi Yanis Mamadou Éric François Bernard Vincent Benoît Damien"
)
_FR_F = _words(
    "Marie Camille Léa Manon Chloé Emma Inès Sarah Julie Laura Céline Nathalie Isabelle Sophie Claire "
    "Anne Catherine Sylvie Valérie Aurélie Émilie Pauline Charlotte Louise Alice Jade Lina Zoé Juliette "
    "Mathilde Fatima Amina Yasmine Élodie Hélène Margaux Clémence Agathe Océane Nadia"
)
_FR_SURNAMES = _words(
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre "
    "Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent "
    "Muller Lefèvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier "
    "Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis "
    "Dumont Lemaire Noël Meyer Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard "
    "Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux Colin Vidal Caron Benali Diallo "
    "Nguyen Traoré Haddad Lopez"
)
_EU_M = _words("Lukas Marco Pieter Javier Jonas Matteo Thomas Pablo Jan Luca Stefan Diego")
_EU_F = _words("Sofia Elena Anna Lucia Giulia Emma Laura Clara Eva Marta Lotte Chiara")
_EU_SURNAMES = _words(
    "Müller Rossi García Janssens Peeters Schmidt Bianchi Martínez Fernández Weber Romano Wouters "
    "Fischer Esposito Sánchez Maes Becker Ricci"
)


_FR_MOBILE = ("+3363998", 4)


def _fr(name, postcodes, citycodes, lat, lon, prefix, weight) -> City:
    return City(name, tuple(postcodes), tuple(citycodes), None, "France", lat, lon, (prefix, 4), _FR_MOBILE, weight)


_FR_CITIES = (
    _fr(
        "Paris",
        [f"750{n:02d}" for n in range(1, 21)],
        [f"751{n:02d}" for n in range(1, 21)],
        48.8566,
        2.3522,
        "+3319900",
        0.24,
    ),
    _fr(
        "Lyon",
        [f"6900{n}" for n in range(1, 10)],
        [f"6938{n}" for n in range(1, 10)],
        45.7640,
        4.8357,
        "+3346571",
        0.11,
    ),
    _fr(
        "Marseille",
        [f"130{n:02d}" for n in range(1, 17)],
        [f"132{n:02d}" for n in range(1, 17)],
        43.2965,
        5.3698,
        "+3346571",
        0.09,
    ),
    _fr(
        "Toulouse",
        ["31000", "31100", "31200", "31300", "31400", "31500"],
        ["31555"],
        43.6047,
        1.4442,
        "+3353649",
        0.07,
    ),
    _fr("Lille", ["59000", "59160", "59260", "59777", "59800"], ["59350"], 50.6292, 3.0573, "+3335301", 0.06),
    _fr(
        "Bordeaux",
        ["33000", "33100", "33200", "33300", "33800"],
        ["33063"],
        44.8378,
        -0.5792,
        "+3353649",
        0.06,
    ),
    _fr("Nantes", ["44000", "44100", "44200", "44300"], ["44109"], 47.2184, -1.5536, "+3326191", 0.06),
    _fr("Strasbourg", ["67000", "67100", "67200"], ["67482"], 48.5734, 7.7521, "+3335301", 0.05),
    _fr("Montpellier", ["34000", "34070", "34080", "34090"], ["34172"], 43.6108, 3.8767, "+3346571", 0.05),
    _fr("Rennes", ["35000", "35200", "35700"], ["35238"], 48.1173, -1.6778, "+3326191", 0.05),
    _fr("Nice", ["06000", "06100", "06200", "06300"], ["06088"], 43.7102, 7.2620, "+3346571", 0.04),
    _fr("Grenoble", ["38000", "38100"], ["38185"], 45.1885, 5.7245, "+3346571", 0.03),
    _fr("Dijon", ["21000"], ["21231"], 47.3220, 5.0415, "+3335301", 0.02),
    _fr("Angers", ["49000", "49100"], ["49007"], 47.4784, -0.5632, "+3326191", 0.02),
    _fr("Clermont-Ferrand", ["63000", "63100"], ["63113"], 45.7772, 3.0870, "+3346571", 0.02),
)
# Other EU countries, about one contact in ten in the EU space.
_EU_CITIES = (
    City(
        "Bruxelles",
        ("1000", "1050"),
        ("21004",),
        None,
        "Belgium",
        50.8503,
        4.3517,
        ("+322", 7),
        ("+32470", 6),
        0.03,
    ),
    City("Liège", ("4000",), ("62063",), None, "Belgium", 50.6326, 5.5797, ("+324", 7), ("+32471", 6), 0.01),
    City(
        "Berlin",
        ("10115", "10245", "10999"),
        ("11000000",),
        None,
        "Germany",
        52.5200,
        13.4050,
        ("+4930", 8),
        ("+49151", 8),
        0.02,
    ),
    City(
        "Madrid",
        ("28013", "28004"),
        ("28079",),
        None,
        "Spain",
        40.4168,
        -3.7038,
        ("+3491", 7),
        ("+346", 8),
        0.015,
    ),
    City(
        "Barcelona",
        ("08001", "08010"),
        ("08019",),
        None,
        "Spain",
        41.3874,
        2.1686,
        ("+3493", 7),
        ("+346", 8),
        0.01,
    ),
    City(
        "Roma",
        ("00184", "00153"),
        ("058091",),
        None,
        "Italy",
        41.9028,
        12.4964,
        ("+3906", 8),
        ("+39347", 7),
        0.01,
    ),
    City("Milano", ("20121",), ("015146",), None, "Italy", 45.4642, 9.1900, ("+3902", 8), ("+39347", 7), 0.005),
)
_FR_STREETS = (
    "Rue de la République",
    "Avenue Jean Jaurès",
    "Boulevard Voltaire",
    "Rue Victor Hugo",
    "Rue Pasteur",
    "Place de la Mairie",
    "Rue du Général de Gaulle",
    "Avenue de la Libération",
    "Rue des Écoles",
    "Rue Jules Ferry",
    "Boulevard Gambetta",
    "Rue de la Paix",
    "Rue Nationale",
    "Rue du Moulin",
    "Allée des Tilleuls",
    "Rue Émile Zola",
    "Avenue Foch",
    "Rue Lafayette",
    "Rue Saint-Michel",
    "Impasse des Lilas",
    "Chemin des Vignes",
    "Rue de Verdun",
    "Rue des Acacias",
    "Quai des Arts",
)

_US_M = _words(
    "James Michael Robert John David William Richard Joseph Thomas Christopher Daniel Matthew Anthony "
    "Mark Steven Andrew Joshua Kevin Brian Jason Ryan Jacob Tyler Marcus Andre Carlos Luis Jose Miguel "
    "Wei Raj Kwame Darnell Ethan Noah Liam Elijah Aaron Samuel Jamal"
)
_US_F = _words(
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Ashley Emily "
    "Michelle Amanda Stephanie Rebecca Laura Maria Rosa Ana Keisha Tanisha Mei Priya Aisha Olivia Sophia "
    "Ava Isabella Mia Abigail Grace Hannah Chloe Zoe Natalie Brianna Jasmine"
)
_US_SURNAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Kim Patel Chen Okafor Washington O'Brien "
    "Murphy Cohen Schwartz Kowalski Reyes Brooks Price Bennett Wood Barnes Ross Henderson Coleman Jenkins"
)


def _us(name, state, zips, lat, lon, area, weight) -> City:
    fiction = (f"+1{area}55501", 2)
    return City(name, tuple(zips), (), state, "United States", lat, lon, fiction, fiction, weight)


_US_CITIES = (
    _us("New York", "NY", ["10001", "10002", "10011", "10025", "10027"], 40.7128, -74.0060, "212", 0.16),
    _us("Los Angeles", "CA", ["90012", "90026", "90028", "90045"], 34.0522, -118.2437, "213", 0.11),
    _us("Chicago", "IL", ["60601", "60614", "60622", "60640"], 41.8781, -87.6298, "312", 0.10),
    _us("Houston", "TX", ["77002", "77006", "77019"], 29.7604, -95.3698, "713", 0.07),
    _us("Philadelphia", "PA", ["19103", "19104", "19146"], 39.9526, -75.1652, "215", 0.07),
    _us("Phoenix", "AZ", ["85004", "85016"], 33.4484, -112.0740, "602", 0.05),
    _us("Atlanta", "GA", ["30303", "30308", "30312"], 33.7490, -84.3880, "404", 0.06),
    _us("Detroit", "MI", ["48201", "48207"], 42.3314, -83.0458, "313", 0.05),
    _us("Seattle", "WA", ["98101", "98103", "98122"], 47.6062, -122.3321, "206", 0.05),
    _us("Denver", "CO", ["80202", "80205", "80218"], 39.7392, -104.9903, "303", 0.05),
    _us("Milwaukee", "WI", ["53202", "53204"], 43.0389, -87.9065, "414", 0.04),
    _us("Pittsburgh", "PA", ["15213", "15222"], 40.4406, -79.9959, "412", 0.04),
    _us("Minneapolis", "MN", ["55401", "55408"], 44.9778, -93.2650, "612", 0.04),
    _us("Boston", "MA", ["02108", "02116", "02130"], 42.3601, -71.0589, "617", 0.06),
    _us("Birmingham", "AL", ["35203", "35205"], 33.5186, -86.8104, "205", 0.05),
)
_US_STREETS = (
    "Main Street",
    "Oak Avenue",
    "Maple Street",
    "Park Avenue",
    "Elm Street",
    "Washington Avenue",
    "Lincoln Avenue",
    "Cedar Lane",
    "Pine Street",
    "Broadway",
    "Market Street",
    "2nd Street",
    "Jefferson Avenue",
    "Church Street",
    "Highland Avenue",
    "Franklin Street",
    "River Road",
    "Hillcrest Drive",
    "Lakeview Drive",
    "Sunset Boulevard",
    "MLK Jr Boulevard",
    "Chestnut Street",
)

_EU_REGION = Region(
    first_m=_FR_M,
    first_f=_FR_F,
    surnames=_FR_SURNAMES,
    cities=_FR_CITIES + _EU_CITIES,
    streets=_FR_STREETS,
    births={
        "France": ("French", ("Paris", "Lyon", "Marseille", "Lille", "Toulouse", "Nantes", "Rouen")),
        "Algeria": ("Algerian", ("Alger", "Oran")),
        "Morocco": ("Moroccan", ("Casablanca", "Rabat")),
        "Senegal": ("Senegalese", ("Dakar",)),
        "Portugal": ("Portuguese", ("Porto", "Lisboa")),
        "Belgium": ("Belgian", ("Bruxelles", "Liège")),
        "Germany": ("German", ("Berlin", "Köln")),
        "Spain": ("Spanish", ("Madrid", "Barcelona")),
        "Italy": ("Italian", ("Roma", "Milano")),
    },
    locale="fr",
    currency="eur",
)
_US_REGION = Region(
    first_m=_US_M,
    first_f=_US_F,
    surnames=_US_SURNAMES,
    cities=_US_CITIES,
    streets=_US_STREETS,
    births={
        "United States": ("American", ("New York", "Chicago", "Houston", "Detroit", "Atlanta")),
        "Mexico": ("Mexican", ("Guadalajara", "Monterrey")),
        "Philippines": ("Filipino", ("Manila",)),
        "India": ("Indian", ("Mumbai", "Chennai")),
        "Nigeria": ("Nigerian", ("Lagos",)),
        "Canada": ("Canadian", ("Toronto",)),
    },
    locale="en",
    currency="usd",
)
# Other-EU contacts take their names from this pool instead of the French one.
EU_FOREIGN_NAMES = (_EU_M, _EU_F, _EU_SURNAMES)


def region_vocab(region: str) -> Region:
    if region == "eu":
        return _EU_REGION
    if region == "us":
        return _US_REGION
    raise ValueError(f"unknown region {region!r}: expected 'eu' or 'us'")
