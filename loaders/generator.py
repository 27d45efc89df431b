"""Deterministic sample ICOMMKT daily batches: the data behind `omni generate` and `omni demo`.

The output exercises every rule of the file contract (SPEC §2) and the profile (SPEC §3): skewed
purchase frequency, prospects, one person with two UserIds sharing an email, customer attributes
that change or arrive empty, returns, re-sent orders, header-only days, quoted product names, and
on request Windows-1252 files, shuffled headers, extra customer columns and malformed rows.

Everything is a pure function of the options: the same seed gives byte-identical files. Output is
streamed: only one (instance, day) batch is in flight, customers are derived from
(seed, instance, customer index) instead of being stored, and the few earlier orders that returns
and re-sends need live in a small bounded buffer.

Amounts follow one rule, so a model can check them:
`TotalAmount = sum(LineAmount) - DiscountsAmount + ShippingAmount`; `ItemsAmount` is the sum of
`LineAmount` without the instance's VAT; `TotalItems` = sum of line Quantity; `TotalProducts` =
number of distinct Sku (always positive, also for returns).
"""

from __future__ import annotations

import csv
import gzip as gzip_module
import hashlib
import random
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import gcd
from pathlib import Path
from typing import BinaryIO, NamedTuple

from loaders.contract import (
    DATE_FORMAT,
    DELIMITER,
    QUOTE,
    FieldType,
    FileIdentity,
    FileKind,
)

# --------------------------------------------------------------------------------------------
# Options and summaries (the CLI's interface)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorOptions:
    """What to generate; every field has a demo-friendly default."""

    customers: int = 2000  # customers per instance, prospects included
    days: int = 60
    instances: int = 1
    end_date: date = date(2026, 6, 30)  # last file date; the first is end_date - (days - 1)
    seed: int = 42
    orders: int | None = None  # approximate orders per instance; default customers * 3
    cp1252_share: float = 0.0  # share of files written in Windows-1252 instead of UTF-8
    shuffle_headers: bool = False  # a random column order per file (same seed, same order)
    extra_customer_columns: bool = False  # LoyaltyTier (and PreferredLanguage) in CUSTOMERS
    malformed_share: float = 0.0  # share of data rows replaced by a malformed row
    gzip: bool = False

    @property
    def orders_per_instance(self) -> int:
        return self.customers * 3 if self.orders is None else self.orders

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=self.days - 1)


@dataclass
class FileSummary:
    """One written file; `valid_rows + malformed_rows` is the number of data lines."""

    path: Path
    kind: FileKind
    instance_id: str
    file_date: date
    valid_rows: int
    malformed_rows: int
    encoding: str = "utf-8"


@dataclass
class GenerationSummary:
    """All files written, with totals a test or the CLI can print or assert on.

    `returns` and `resent_orders` count ORDERS rows generated as returns and as re-sends of an
    earlier day's order (a malformed replacement still counts, as the order was meant to be sent).
    """

    files: list[FileSummary] = field(default_factory=list)
    returns: int = 0
    resent_orders: int = 0

    def valid_rows(self, kind: FileKind | None = None) -> int:
        return sum(f.valid_rows for f in self.files if kind is None or f.kind is kind)

    def malformed_rows(self, kind: FileKind | None = None) -> int:
        return sum(f.malformed_rows for f in self.files if kind is None or f.kind is kind)

    @property
    def valid_by_kind(self) -> dict[FileKind, int]:
        return {kind: self.valid_rows(kind) for kind in FileKind}

    @property
    def malformed_by_kind(self) -> dict[FileKind, int]:
        return {kind: self.malformed_rows(kind) for kind in FileKind}


# --------------------------------------------------------------------------------------------
# Reference data: instances, stores, names, catalog pools
# --------------------------------------------------------------------------------------------

ONLINE, STORE, APP = "ONLINE", "STORE", "APP"


class Store(NamedTuple):
    code: str
    channel: str


@dataclass(frozen=True)
class InstanceProfile:
    """One business unit: its country, language, stores and the cities its customers live in."""

    instance_id: str
    country: str
    locale: str
    phone_prefix: str
    vat_percent: int
    cities: tuple[str, ...]
    store_codes: tuple[str, ...]  # physical stores; WEB and APP are added to every instance

    @property
    def portuguese(self) -> bool:
        return self.locale.startswith("pt")

    @property
    def stores(self) -> tuple[Store, ...]:
        physical = tuple(Store(code, STORE) for code in self.store_codes)
        return (*physical, Store("WEB", ONLINE), Store("APP", APP))


def _items(text: str) -> tuple[str, ...]:
    """Split a comma-separated pool: keeps long reference lists readable and compact."""
    return tuple(item.strip() for item in text.split(","))


def _instance(line: str) -> InstanceProfile:
    """`id; country; locale; phone prefix; VAT %; cities; physical store codes`."""
    instance_id, country, locale, phone, vat, cities, stores = (p.strip() for p in line.split(";"))
    return InstanceProfile(
        instance_id, country, locale, phone, int(vat), _items(cities), _items(stores)
    )


INSTANCES: tuple[InstanceProfile, ...] = tuple(
    _instance(line)
    for line in (
        "AR; Argentina; es-AR; +54 9 11; 21;"
        " Buenos Aires, Córdoba, Rosario, Mendoza, La Plata, San Miguel de Tucumán,"
        " Mar del Plata, Neuquén;"
        " BA01, BA02, BA03, BA04, CB01, CB02, RO01, MZ01, LP01, MP01",
        "BR_SP; Brasil; pt-BR; +55 11 9; 17;"
        " São Paulo, Campinas, Santos, São José dos Campos, Ribeirão Preto, Sorocaba, Guarulhos;"
        " SP01, SP02, SP03, SP04, CP01, CP02, ST01, SJ01, RP01, SO01",
        "CL; Chile; es-CL; +56 9; 19;"
        " Santiago, Valparaíso, Concepción, Viña del Mar, Antofagasta, Temuco, La Serena;"
        " SC01, SC02, SC03, SC04, VP01, CC01, VM01, AN01, TE01, LS01",
        "MX; México; es-MX; +52 55; 16;"
        " Ciudad de México, Guadalajara, Monterrey, Puebla, Querétaro, Mérida, León, Tijuana;"
        " MX01, MX02, MX03, MX04, GD01, GD02, MT01, MT02, PU01, QR01",
        "CO; Colombia; es-CO; +57 3; 19;"
        " Bogotá, Medellín, Cali, Barranquilla, Cartagena, Bucaramanga, Pereira;"
        " BG01, BG02, BG03, BG04, MD01, MD02, CL01, BQ01, CT01, BU01",
        "PE; Perú; es-PE; +51 9; 18;"
        " Lima, Arequipa, Trujillo, Cusco, Chiclayo, Piura;"
        " LM01, LM02, LM03, LM04, LM05, AQ01, TR01, CU01, CH01, PI01",
        "UY; Uruguay; es-UY; +598 9; 22;"
        " Montevideo, Salto, Paysandú, Maldonado, Punta del Este, Colonia del Sacramento;"
        " MV01, MV02, MV03, MV04, MV05, SA01, PA01, MA01, PE01, CO01",
        "BR_RJ; Brasil; pt-BR; +55 21 9; 17;"
        " Rio de Janeiro, Niterói, Petrópolis, Nova Iguaçu, Duque de Caxias,"
        " Campos dos Goytacazes;"
        " RJ01, RJ02, RJ03, RJ04, RJ05, NT01, PT01, NI01, DC01, CG01",
    )
)


def store_channel_rows() -> list[tuple[str, str, str]]:
    """(instance_id, store_code, channel) of every store the generator can use.

    `seeds/store_channels.csv` holds exactly these rows: orders whose Channel is empty get their
    channel from it (SPEC §2.2, ORDERS field 15).
    """
    return [
        (profile.instance_id, store.code, store.channel)
        for profile in INSTANCES
        for store in profile.stores
    ]


def _first_names(text: str) -> tuple[tuple[str, str], ...]:
    """`José:M, María:F` -> ((name, gender), ...)."""
    return tuple((name, gender) for name, gender in (item.split(":") for item in _items(text)))


# Accents on purpose, so a wrong encoding is visible; first names carry the gender (`:F`/`:M`).
_ES_FIRST = _first_names(
    "José:M, María:F, Ángela:F, Lucía:F, Martín:M, Sofía:F, Joaquín:M, Inés:F, Julián:M,"
    " Valentina:F, Matías:M, Camila:F, Tomás:M, Agustín:M, Florencia:F, Nicolás:M, Belén:F,"
    " Rocío:F, Andrés:M, Mónica:F, Héctor:M, Raúl:M, Óscar:M, Verónica:F, Ramón:M, Begoña:F,"
    " Sebastián:M, Martina:F, Diego:M, Paula:F"
)
_ES_LAST = _items(
    "Peña, Muñoz, García, Rodríguez, Martínez, López, González, Pérez, Sánchez, Ramírez,"
    " Fernández, Gómez, Díaz, Álvarez, Romero, Núñez, Ibáñez, Castaño, Ordóñez, Benítez, Suárez,"
    " Domínguez, Gutiérrez, Ruiz, Vázquez, Acuña, Herrera, Morales, Ortiz, Silva"
)
_PT_FIRST = _first_names(
    "João:M, Conceição:F, Maria:F, Ana:F, José:M, Antônio:M, Luíza:F, Letícia:F, Sebastião:M,"
    " Estêvão:M, Cecília:F, Fábio:M, Márcia:F, Tânia:F, Vinícius:M, Thaís:F, Caio:M, Beatriz:F,"
    " Mateus:M, Júlia:F"
)
_PT_LAST = _items(
    "Silva, Santos, Oliveira, Souza, Conceição, Gonçalves, Araújo, Fernandes, Magalhães,"
    " Brandão, Simões, Guimarães, Falcão, Assunção, Cardoso, Ribeiro, Pereira, Lima, Carvalho,"
    " Gomes"
)
_BIRTH_ORDINAL_1950 = date(1950, 1, 1).toordinal()
_EMAIL_DOMAINS = _items("example.com, example.net, example.org, correo.example, mail.example")

_BRAND_STEMS = _items(
    "Andina, Austral, Pampa, Cumbre, Brisa, Lago, Sierra, Cóndor, Ñandú, Quetzal, Yaguar,"
    " Tierra, Selva, Marea, Ceibo, Jacarandá, Araucaria, Colibrí, Vicuña, Caracol"
)
_BRAND_SUFFIXES = _items(
    ", Sport, Kids, Home, Pro, Urban, Studio, & Co, Outdoor, Basics, Lab, Style, Natura, Tech, Fit"
)
BRANDS: tuple[str, ...] = tuple(
    f"{stem} {suffix}".strip() for suffix in _BRAND_SUFFIXES for stem in _BRAND_STEMS
)

# department: nouns for product names; sub-categories. Departments are categories too.
_DEPARTMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    dept: (_items(nouns), _items(subs))
    for dept, nouns, subs in (
        line.split(":")
        for line in (
            "Calzado: Zapatilla, Bota, Sandalia, Zapato, Mocasín:"
            " Running, Urbano, Botas, Sandalias, Zapatos de vestir, Pantuflas, Calzado infantil",
            "Indumentaria: Camiseta, Pantalón, Campera, Vestido, Buzo:"
            " Camisetas, Pantalones, Abrigos, Vestidos, Ropa interior, Trajes de baño,"
            " Ropa infantil",
            "Deportes: Pelota, Bicicleta, Mancuerna, Carpa, Raqueta, Colchoneta:"
            " Fútbol, Ciclismo, Natación, Fitness, Camping, Tenis, Yoga",
            "Hogar: Sartén, Toalla, Sábana, Lámpara, Maceta, Organizador:"
            " Cocina, Baño, Dormitorio, Decoración, Iluminación, Jardín, Organización",
            "Electrónica: Auriculares, Parlante, Monitor, Teclado, Cargador, Cámara:"
            " Celulares, Audio, Televisores, Computación, Fotografía, Gaming, Accesorios",
            "Belleza: Perfume, Labial, Crema, Shampoo, Serum:"
            " Perfumes, Maquillaje, Cuidado facial, Cuidado capilar, Cuidado corporal,"
            " Cuidado masculino, Manicura",
            "Juguetes: Muñeca, Bloques, Juego, Peluche, Auto:"
            " Muñecas, Construcción, Juegos de mesa, Peluches, Vehículos, Didácticos, Aire libre",
            "Librería: Cuaderno, Lapicera, Acuarela, Mochila, Agenda:"
            " Cuadernos, Escritura, Arte, Mochilas, Agendas, Libros, Oficina",
            "Alimentos: Yerba, Café, Galletitas, Chocolate, Aceite:"
            " Almacén, Bebidas, Snacks, Café y té, Orgánicos, Congelados, Dulces",
            "Mascotas: Collar, Cucha, Rascador, Comedero, Correa:"
            " Perros, Gatos, Alimento balanceado, Accesorios para mascotas, Higiene animal,"
            " Juguetes para mascotas, Acuarios",
        )
    )
}
CATEGORIES: tuple[str, ...] = tuple(
    name for dept, (_, subs) in _DEPARTMENTS.items() for name in (dept, *subs)
)
_VARIANTS = _items(
    "Classic, Pro, Básico, XL, Niño, Mujer, Hombre, Unisex, Edición 2026, Compacto, Premium, Eco,"
    " Mini, Max, Plus, Viaje"
)
_PROMOS_ES = _items("VERANO10, BLACK, CYBER20, HOTSALE, BIENVENIDA, ENVIOGRATIS, INVIERNO15")
_PROMOS_PT = _items("VERAO10, BLACK, CYBER20, BEMVINDO, FRETEGRATIS, LIQUIDA30")
_LOYALTY_TIERS = ("BRONZE",) * 10 + ("SILVER",) * 5 + ("GOLD",) * 3 + ("PLATINUM", "")
EXTRA_CUSTOMER_COLUMNS = ("LoyaltyTier", "PreferredLanguage")

CATALOG_SIZE = 3000

# Shares and shapes of the simulated behaviour.
PROSPECT_PERCENT = 10  # customers that never order
TWO_ID_PERCENT = 5  # people with a POS UserId and a web UserId sharing one email
CHANGE_PERCENT = 10  # customers whose City and/or Phone change once
BLANK_PERCENT = 10  # later CUSTOMERS rows with one optional field left empty
RETURN_SHARE = 0.04  # order slots that are a return of an earlier purchase
RESEND_SHARE = 0.015  # order slots that re-send an earlier day's order, changed
EMPTY_DAY_SHARE = 0.03  # (instance, day) batches that are header-only
EMPTY_CHANNEL_SHARE = 0.15  # orders with an empty Channel (the store seed supplies it)
REPEATER_SHARE = 0.3  # customers (by rank) who may buy repeatedly; the rest buy once in turn
ONE_TIME_ORDER_SHARE = 0.5  # at most this share of orders goes to one-time buyers
REPEATER_SKEW = 0.25  # c in "orders of repeater rank x ~ 1 / (x + c)^2": top one ~5x average
RECENT_ORDERS = 256  # bounded buffer of earlier orders that returns and re-sends draw from
ROWS_PER_FLUSH = 4096
NO_SHIPPING = ("NONE", 0, "0.00")
ORDER_KINDS = (FileKind.ORDERS, FileKind.ORDERSDETAIL, FileKind.ORDERSDETAILCATEGORIES)


# --------------------------------------------------------------------------------------------
# Small deterministic helpers
# --------------------------------------------------------------------------------------------

_MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    """splitmix64: a fast, well-spread 64-bit hash, so attributes need no stored state."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _key(*parts: int) -> int:
    """Combine integers into one 64-bit seed (Python's hash() is salted per process)."""
    h = 0
    for part in parts:
        h = _mix(h ^ (part & _MASK))
    return h


def _text_key(text: str) -> int:
    """A stable 64-bit key for a name (all of it: ORDERSDETAIL* kinds share 12 letters)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _money(cents: int) -> str:
    """Cents as `123.45` / `-0.50`: integers avoid float rounding in totals."""
    # %-formatting of divmod is the fastest spelling, and this runs for every amount written.
    if cents >= 0:
        return "%d.%02d" % divmod(cents, 100)  # noqa: UP031
    return "-%d.%02d" % divmod(-cents, 100)  # noqa: UP031


def _quote(text: str) -> str:
    """Quote a field that holds the delimiter or a quote, doubling inner quotes (CSV style)."""
    if DELIMITER in text or QUOTE in text or "\n" in text:
        return QUOTE + text.replace(QUOTE, QUOTE * 2) + QUOTE
    return text


def _ascii(text: str) -> str:
    """`Peña` -> `pena`, for e-mail local parts."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "")


# E-mail spellings of every name, computed once (normalising per row would cost more).
_ASCII = {
    name: _ascii(name) for name in (*(n for n, _ in _ES_FIRST + _PT_FIRST), *_ES_LAST, *_PT_LAST)
}


def _weighted(pairs: list[tuple[object, int]]) -> tuple:
    """A lookup table where each item appears `weight` times: choice is one index, no bisect."""
    return tuple(item for item, weight in pairs for _ in range(weight))


# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------


class Product(NamedTuple):
    """A catalog entry, with the row fragments every order line reuses already joined."""

    sku: str
    name: str
    brand: str
    price_cents: int
    price: str
    categories: tuple[str, ...]
    head: str  # `Sku|ProductName|Brand`, the name quoted when it must be
    category_tails: tuple[str, ...]  # `Sku|Category` per category


def _product(sku: str, name: str, brand: str, cents: int, categories: tuple[str, ...]) -> Product:
    head = DELIMITER.join((sku, _quote(name), brand))
    tails = tuple(DELIMITER.join((sku, category)) for category in categories)
    return Product(sku, name, brand, cents, _money(cents), categories, head, tails)


def build_catalog(seed: int) -> tuple[Product, ...]:
    """The products of every instance; index order is popularity order (index 0 sells most)."""
    rng = random.Random(_key(seed, 0xCA7A106))
    departments = list(_DEPARTMENTS.items())
    products = []
    for index in range(CATALOG_SIZE):
        dept, (nouns, subs) = departments[rng.randrange(len(departments))]
        sub = subs[rng.randrange(len(subs))]
        brand = BRANDS[rng.randrange(len(BRANDS))]
        name = f"{rng.choice(nouns)} {brand.split(' ')[0]} {rng.choice(_VARIANTS)}"
        roll = rng.random()
        if index in (3, 11) or roll < 0.02:
            name = f"{name} | Edición Especial"
        elif index == 7 or roll < 0.03:
            name = f'{name} "Outlet" | 2x1'
        elif roll < 0.04:
            name = f'{name} 24"'
        shape = rng.random()
        if shape < 0.5:
            categories: tuple[str, ...] = (sub,)
        elif shape < 0.85:
            categories = (dept, sub)
        else:
            other = subs[rng.randrange(len(subs))]
            categories = (dept, sub) if other == sub else (dept, sub, other)
        cents = int(rng.lognormvariate(8.3, 0.9)) // 10 * 10 + 90  # e.g. 3999.90
        products.append(_product(f"779{index:010d}", name, brand, cents, categories))
    return tuple(products)


# --------------------------------------------------------------------------------------------
# Customers, derived from (seed, instance, index)
# --------------------------------------------------------------------------------------------


class Customers:
    """Attributes of the customers of one instance, computed on demand from a hash of the index.

    Customer `i` signs up on day `i * days // n` (so each day's new customers are one index
    range) and changes City and/or Phone `days // 3` days later when flagged. Buying goes by
    rank in a fixed permutation (`index = rank * stride + offset mod n`): the first 30% of ranks
    are repeat buyers drawn with a skewed law (a few buy very often); the other ranks are served
    one after the other, so each buys exactly once until the pool is used up. Independent draws
    alone could not give "most buyers buy once" (a Poisson count is 1 at most 37% of the time).
    The only state is the position in that one-time queue.
    """

    def __init__(self, profile: InstanceProfile, base: int, n: int, days: int) -> None:
        self.profile = profile
        self.base = base
        self.n = n
        self.days = days
        self.change_delay = max(1, days // 3)
        self.first_names = _PT_FIRST if profile.portuguese else _ES_FIRST
        self.last_names = _PT_LAST if profile.portuguese else _ES_LAST
        self.offset = base % n
        self.stride = self._coprime_stride(n, base)
        self.physical = [i for i, s in enumerate(profile.stores) if s.channel == STORE]
        self.repeaters = max(1, round(n * REPEATER_SHARE))
        self.one_time_pool = n - self.repeaters
        self.one_time_next = 0

    @staticmethod
    def _coprime_stride(n: int, base: int) -> int:
        """A multiplier coprime with n, so rank -> index is a permutation."""
        stride = (base >> 20) % n or 1
        while gcd(stride, n) != 1:
            stride = stride % n + 1
        return stride

    def hash(self, index: int) -> int:
        """`_mix(base + index)`, inlined: it runs for every customer row and every buyer."""
        x = (self.base + index + 0x9E3779B97F4A7C15) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        return x ^ (x >> 31)

    def is_prospect(self, index: int, h: int) -> bool:
        return index != self.offset and h % 100 < PROSPECT_PERCENT

    @staticmethod
    def has_web_id(h: int) -> bool:
        return (h >> 8) % 100 < TWO_ID_PERCENT

    def signup_day(self, index: int) -> int:
        return index * self.days // self.n

    def signups(self, day: int) -> range:
        """Indexes whose signup day is `day` (the inverse of `signup_day`)."""
        return range(-(-day * self.n // self.days), -(-(day + 1) * self.n // self.days))

    def changes(self, day: int) -> Iterator[int]:
        """Indexes whose City/Phone change on `day`."""
        signup = day - self.change_delay
        if signup < 0:
            return
        for index in self.signups(signup):
            if (self.hash(index) >> 13) % 100 < CHANGE_PERCENT:
                yield index

    def repeat_buyer(self, u: float) -> tuple[int, int]:
        """(index, hash) of a repeat buyer for a uniform draw `u` (inverse CDF of 1/(x+c)^2)."""
        c = REPEATER_SKEW
        x = 1.0 / (1.0 / c - u * (1.0 / c - 1.0 / (1.0 + c))) - c
        return self._buyer_at(min(self.repeaters - 1, int(self.repeaters * x)))

    def one_time_buyer(self) -> tuple[int, int]:
        """(index, hash) of the next one-time buyer; the queue wraps when exhausted."""
        if self.one_time_pool <= 0:
            return self._buyer_at(0)
        rank = self.repeaters + self.one_time_next % self.one_time_pool
        self.one_time_next += 1
        return self._buyer_at(rank)

    def _buyer_at(self, rank: int) -> tuple[int, int]:
        """The customer at `rank`, or the next index that is not a prospect."""
        n = self.n
        index = (rank * self.stride + self.offset) % n
        h = self.hash(index)
        while self.is_prospect(index, h):
            index = (index + 1) % n
            h = self.hash(index)
        return index, h

    def home_store(self, h: int) -> int:
        return self.physical[(h >> 55) % len(self.physical)]

    @staticmethod
    def user_id(index: int, web: bool) -> str:
        """POS ids `C00000042`; web ids look unrelated (bijective in the index, so unique)."""
        if web:
            return f"W{(index * 7919 + 104729) % 1_000_000_000:09d}"
        return f"C{index:08d}"

    def row(self, index: int, web: bool, day: int, extras: int) -> list[str]:
        """The CUSTOMERS fields (contract order, then `extras` extra columns) as sent on `day`."""
        h = self.hash(index)
        h2 = _mix(h ^ 0x5EED)
        first, gender = self.first_names[(h >> 20) % len(self.first_names)]
        last = self.last_names[(h >> 28) % len(self.last_names)]
        email_name = _ASCII[last]
        if (h >> 44) % 4 == 0:
            second = self.last_names[(h >> 36) % len(self.last_names)]
            if second != last:
                last = f"{last} {second}"
                email_name += _ASCII[second]
        cities = self.profile.cities
        city_index = (h >> 47) % len(cities) if (h >> 52) % 2 else 0  # the capital is bigger
        phone_digits = h2 % 100_000_000
        signup = self.signup_day(index)
        change_day = signup + self.change_delay
        if (h >> 13) % 100 < CHANGE_PERCENT and day >= change_day:
            how = (h >> 17) % 3
            if how != 1:
                city_index = (city_index + 1 + (h >> 58) % (len(cities) - 1)) % len(cities)
            if how != 0:
                phone_digits = _mix(h2) % 100_000_000
        email = f"{_ASCII[first]}.{email_name}{index}@{_EMAIL_DOMAINS[h2 % 5]}"
        phone = (
            f"{self.profile.phone_prefix} {phone_digits // 10000:04d}-{phone_digits % 10000:04d}"
        )
        birth = date.fromordinal(_BIRTH_ORDINAL_1950 + (h2 >> 8) % 20454)  # born 1950-2005
        fields = [
            self.user_id(index, web),
            _email_variant(email, h2) if web else email,
            first,
            last,
            "" if (h2 >> 24) % 25 == 0 else gender,
            "" if (h2 >> 30) % 12 == 0 else f"{birth.day:02d}/{birth.month:02d}/{birth.year}",
            "" if web or (h2 >> 34) % 10 == 0 else phone,
            cities[city_index],
            self.profile.country,
            "1" if (h2 >> 38) % 10 < 7 else "0",
        ]
        if day not in (signup, change_day) and _mix(h + day) % 100 < BLANK_PERCENT:
            fields[(4, 5, 6, 7)[(h2 >> 42) % 4]] = ""  # must not erase the known value
        if extras:
            fields.append(_LOYALTY_TIERS[(h2 >> 46) % len(_LOYALTY_TIERS)])
        if extras > 1:
            roll = (h2 >> 52) % 20
            fields.append("en" if roll == 0 else "" if roll == 1 else self.profile.locale)
        return fields


def _email_variant(email: str, h: int) -> str:
    """The same address as the web channel captured it: other case, sometimes padded."""
    local, _, domain = email.partition("@")
    variant = (h >> 60) % 3
    if variant == 0:
        text = f"{local.title()}@{domain.title()}"
    elif variant == 1:
        text = email.upper()
    else:
        text = f"{local.capitalize()}@{domain}"
    return f" {text} " if (h >> 63) else text


# --------------------------------------------------------------------------------------------
# Writing files (encoding, compression, header order, malformed rows)
# --------------------------------------------------------------------------------------------


class _Malformer:
    """Replaces a share of rows with a row broken in exactly one way a loader must reject.

    The ways applicable to the file's kind are used in turn (start chosen by the seed), so a
    file with a few malformed rows already mixes them.
    """

    def __init__(self, kind: FileKind, share: float, rng: random.Random) -> None:
        fields = kind.fields
        self.share = share
        self.rng = rng
        self.date_at = next((i for i, f in enumerate(fields) if f.type is FieldType.DATE), None)
        decimals = [i for i, f in enumerate(fields) if f.type is FieldType.DECIMAL]
        amounts = [i for i in decimals if "Amount" in fields[i].name]
        self.decimal_at = (amounts or decimals or [None])[0]
        self.email_at = next((i for i, f in enumerate(fields) if f.is_email), None)
        self.long_at = next(i for i, f in enumerate(fields) if f.max_length and f.required)
        self.long_length = fields[self.long_at].max_length or 0
        ways = ["missing_field", "overlong"]
        if self.date_at is not None:
            ways.append("bad_date")
        if self.decimal_at is not None:
            ways.append("decimal_comma")
        if self.email_at is not None:
            ways.append("invalid_email")
        self.ways = ways
        self.turn = rng.randrange(len(ways))

    def hit(self) -> bool:
        return self.rng.random() < self.share

    def malform(self, fields: list[str]) -> tuple[list[str], bool]:
        """(broken fields in contract order, whether to drop one field after reordering)."""
        way = self.ways[self.turn % len(self.ways)]
        self.turn += 1
        fields = list(fields)
        if way == "bad_date" and self.date_at is not None:
            if self.turn % 2 or not fields[self.date_at]:
                fields[self.date_at] = "31/02/2026"
            else:
                d, m, y = fields[self.date_at].split("/")
                fields[self.date_at] = f"{y}-{m}-{d}"  # ISO instead of dd/mm/yyyy
        elif way == "decimal_comma" and self.decimal_at is not None:
            fields[self.decimal_at] = fields[self.decimal_at].replace(".", ",")
        elif way == "invalid_email" and self.email_at is not None:
            fields[self.email_at] = fields[self.email_at].replace("@", ".")
        elif way == "overlong":
            value = fields[self.long_at]
            fields[self.long_at] = (value + "X" * self.long_length)[: self.long_length + 1]
        return fields, way == "missing_field"


def _split_row(line: str) -> list[str]:
    """Fields of a line this module wrote (quotes only ever come from `_quote`)."""
    if QUOTE not in line:
        return line.split(DELIMITER)
    return next(csv.reader([line], delimiter=DELIMITER, quotechar=QUOTE))


class _FileWriter:
    """One contract file: header, rows joined with `|`, LF ends, encoded and maybe gzipped."""

    def __init__(
        self,
        path: Path,
        columns: list[str],
        order: list[int] | None,
        encoding: str,
        compress: bool,
        malformer: _Malformer | None,
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.order = order
        self.malformer = malformer
        self.rows = 0
        self.malformed = 0
        self._raw = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._out: BinaryIO | gzip_module.GzipFile = self._raw
        if compress:
            # mtime=0 keeps the gzip header, and so the bytes, identical for the same seed;
            # level 1 because compression otherwise dominates the run time (files ~10% larger).
            self._out = gzip_module.GzipFile(
                filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=1
            )
        header = columns if order is None else [columns[i] for i in order]
        self._buffer: list[str] = [DELIMITER.join(header)]
        # Producers hand over finished lines in contract order. In the common case (no
        # reordering, no malformed rows) writing one is a bare list append; only the messy
        # variants pay for splitting a line back into fields.
        plain = order is None and malformer is None
        self.write: Callable[[str], None] = self._buffer.append if plain else self._write_any

    def _write_any(self, line: str) -> None:
        """Append one row given in contract order (extras last), reordered and/or broken."""
        fields = _split_row(line)
        malformer = self.malformer
        drop_at = None
        if malformer is not None and malformer.hit():
            fields, drop_one = malformer.malform(fields)
            drop_at = malformer.rng.randrange(len(fields)) if drop_one else None
            self.malformed += 1
        if self.order is not None:
            fields = [fields[i] for i in self.order]
        if drop_at is not None:
            del fields[drop_at]
        self._buffer.append(DELIMITER.join(_quote(value) for value in fields))

    def flush_if_full(self) -> None:
        """Called every few rows by the producer, so rows stay bounded without a check per row."""
        if len(self._buffer) >= ROWS_PER_FLUSH:
            self._flush()

    def _flush(self) -> None:
        self.rows += len(self._buffer)
        self._out.write(("\n".join(self._buffer) + "\n").encode(self.encoding))
        self._buffer.clear()

    def close(self) -> tuple[int, int]:
        """Close the file; (valid rows, malformed rows), the header not counted."""
        self._flush()
        if self._out is not self._raw:
            self._out.close()
        self._raw.close()
        data_rows = self.rows - 1
        return data_rows - self.malformed, self.malformed


# --------------------------------------------------------------------------------------------
# Orders
# --------------------------------------------------------------------------------------------


class _Order(NamedTuple):
    """What is needed to (re)write an order: re-sends redraw payment, promo and shipping."""

    number: str
    store: int
    customer: int
    web: bool
    date: str
    lines: tuple[tuple[int, int], ...]  # (product index, quantity; negative on returns)
    seller: str


class _Instance:
    """Generation state of one instance: its customers, daily volumes and recent orders."""

    def __init__(
        self,
        position: int,
        profile: InstanceProfile,
        options: GeneratorOptions,
        catalog: tuple[Product, ...],
    ) -> None:
        self.position = position
        self.profile = profile
        self.options = options
        self.catalog = catalog
        self.seed = _key(options.seed, _text_key(profile.instance_id))
        self.customers = Customers(profile, self.seed, options.customers, options.days)
        self.stores = profile.stores
        self.extras = (2 - position % 2) if options.extra_customer_columns else 0
        self.recent: deque[_Order] = deque(maxlen=RECENT_ORDERS)
        self.counter = 0
        self.returns = 0
        self.resent = 0
        self.empty_days = self._choose_empty_days()
        self.day_orders = self._split_orders()
        total = options.orders_per_instance
        pool = self.customers.one_time_pool * (100 - PROSPECT_PERCENT) / 100
        self.one_time_share = min(ONE_TIME_ORDER_SHARE, pool / total) if total else 0.0
        self._build_tables()

    def _choose_empty_days(self) -> frozenset[int]:
        """Header-only batches: ~3% of days, and at least one when there are 5+ days."""
        rng = random.Random(_key(self.seed, 0xE3))
        days = self.options.days
        empty = {d for d in range(days) if rng.random() < EMPTY_DAY_SHARE}
        if days >= 5 and not empty:
            empty.add(rng.randrange(1, days - 1))
        return frozenset(empty)

    def _split_orders(self) -> list[int]:
        """Orders per day: weekday rhythm plus noise, summing exactly to the requested total."""
        rng = random.Random(_key(self.seed, 0xD4))
        weekday_weight = (0.9, 0.85, 0.9, 1.0, 1.2, 1.35, 0.8)
        weights = [
            0.0
            if d in self.empty_days
            else weekday_weight[(self.options.start_date + timedelta(d)).weekday()]
            * (0.8 + 0.4 * rng.random())
            for d in range(self.options.days)
        ]
        total_weight = sum(weights) or 1.0
        total = self.options.orders_per_instance
        counts, cumulative, given = [], 0.0, 0
        for weight in weights:
            cumulative += weight
            upto = round(total * cumulative / total_weight)
            counts.append(upto - given)
            given = upto
        return counts

    def _build_tables(self) -> None:
        """Weighted lookup tables for the per-order draws (one index per draw)."""
        physical = self.customers.physical
        web = next(i for i, s in enumerate(self.stores) if s.code == "WEB")
        app = next(i for i, s in enumerate(self.stores) if s.code == "APP")
        store_weights = [(i, 12 - rank) for rank, i in enumerate(physical)]
        self.store_table = _weighted([*store_weights, (web, 35), (app, 18)])
        self.lines_table = _weighted([(1, 50), (2, 25), (3, 13), (4, 7), (5, 5)])
        self.qty_table = _weighted([(1, 75), (2, 18), (3, 7)])
        promos = _PROMOS_PT if self.profile.portuguese else _PROMOS_ES
        pairs: list[tuple[object, int]] = [("", 300)]
        pairs += [(code, 8) for code in promos]
        pairs += [(f"{a},{b}", 1) for a in promos for b in promos if a < b][:12]
        self.promo_table = _weighted(pairs)
        wallet = "PIX" if self.profile.portuguese else "MERCADO_PAGO"
        self.store_payments = _weighted(
            [
                ("CASH", 25),
                ("DEBIT_CARD", 30),
                ("CREDIT_CARD", 35),
                ("GIFT_CARD", 3),
                ("CREDIT_CARD,GIFT_CARD", 4),
                ("CASH,DEBIT_CARD", 3),
            ]
        )
        self.online_payments = _weighted(
            [
                ("CREDIT_CARD", 45),
                (wallet, 25),
                ("DEBIT_CARD", 15),
                ("BANK_TRANSFER", 5),
                ("GIFT_CARD", 2),
                ("CREDIT_CARD,GIFT_CARD", 5),
                (f"{wallet},GIFT_CARD", 3),
            ]
        )
        shipping = [("HOME_DELIVERY", 499, 25), ("HOME_DELIVERY", 799, 20)]
        shipping += [("HOME_DELIVERY", 0, 10), ("PICKUP", 0, 35), ("EXPRESS", 1499, 10)]
        self.shipping_table = _weighted(
            [((method, cents, _money(cents)), weight) for method, cents, weight in shipping]
        )

    # -- one batch ---------------------------------------------------------------------------

    def write_batch(self, out_dir: Path, day: int, file_date: date) -> Iterator[FileSummary]:
        """Write the 4 files of (this instance, file_date), yielding each summary once closed."""
        writers = {kind: self._open(out_dir, kind, file_date) for kind in FileKind}
        customers_today: dict[tuple[int, bool], None] = {}
        if day not in self.empty_days:
            for index in self.customers.signups(day):
                customers_today[(index, False)] = None
                if self.customers.has_web_id(self.customers.hash(index)):
                    customers_today[(index, True)] = None
            for index in self.customers.changes(day):
                customers_today[(index, False)] = None
            self._write_orders(day, file_date, writers, customers_today)
        for kind in ORDER_KINDS:
            yield self._close(writers[kind], kind, file_date)
        customer_writer = writers[FileKind.CUSTOMERS]
        for index, web in customers_today:
            customer_writer.write(DELIMITER.join(self.customers.row(index, web, day, self.extras)))
            customer_writer.flush_if_full()
        yield self._close(writers[FileKind.CUSTOMERS], FileKind.CUSTOMERS, file_date)

    def _file_key(self, kind: FileKind, file_date: date, salt: int) -> int:
        return _key(self.seed, _text_key(kind.value), file_date.toordinal(), salt)

    def _open(self, out_dir: Path, kind: FileKind, file_date: date) -> _FileWriter:
        options = self.options
        columns = [f.name for f in kind.fields]
        if kind is FileKind.CUSTOMERS:
            columns += EXTRA_CUSTOMER_COLUMNS[: self.extras]
        order = None
        if options.shuffle_headers:
            order = list(range(len(columns)))
            random.Random(self._file_key(kind, file_date, 1)).shuffle(order)
            if order == sorted(order):
                order = order[1:] + order[:1]
        malformer = None
        if options.malformed_share > 0:
            rng = random.Random(self._file_key(kind, file_date, 2))
            malformer = _Malformer(kind, options.malformed_share, rng)
        cp1252 = _mix(self._file_key(kind, file_date, 3)) % 1_000_000 < (
            options.cp1252_share * 1_000_000
        )
        extension = ".txt.gz" if options.gzip else ".txt"
        name = FileIdentity(kind, self.profile.instance_id, file_date).canonical_name(extension)
        encoding = "cp1252" if cp1252 else "utf-8"
        return _FileWriter(out_dir / name, columns, order, encoding, options.gzip, malformer)

    def _close(self, writer: _FileWriter, kind: FileKind, file_date: date) -> FileSummary:
        valid, malformed = writer.close()
        return FileSummary(
            writer.path,
            kind,
            self.profile.instance_id,
            file_date,
            valid,
            malformed,
            "windows-1252" if writer.encoding == "cp1252" else "utf-8",
        )

    def _write_orders(
        self,
        day: int,
        file_date: date,
        writers: dict[FileKind, _FileWriter],
        customers_today: dict[tuple[int, bool], None],
    ) -> None:
        """The day's order slots: mostly new purchases, some returns and re-sends."""
        rng = random.Random(_key(self.seed, day, 0x0D))
        rand = rng.random
        date_text = file_date.strftime(DATE_FORMAT)
        count = self.day_orders[day]
        keep_share = max(0.02, 16 / count) if count else 0.0
        kept: list[_Order] = []
        buy = self._purchaser(rng, date_text)
        emit = self._emitter(rng, writers)
        recent = self.recent
        flushes = [writers[kind].flush_if_full for kind in ORDER_KINDS]
        for slot in range(count):
            if slot % 256 == 255:
                for flush in flushes:
                    flush()
            roll = rand()
            if recent and roll < RESEND_SHARE:
                order = self._resend(rng)
                self.resent += 1
            elif recent and roll < RESEND_SHARE + RETURN_SHARE:
                order = self._return(rng, date_text)
                self.returns += 1
            else:
                order = buy()
                if rand() < keep_share:
                    kept.append(order)
            customers_today[(order.customer, order.web)] = None
            emit(order)
        recent.extend(kept)  # only after the day, so returns and re-sends are of earlier days

    def _next_number(self, store_code: str, prefix: str = "") -> str:
        self.counter += 1
        return f"{store_code}-{prefix}{self.counter:09d}"

    def _purchaser(self, rng: random.Random, date_text: str) -> Callable[[], _Order]:
        """A closure drawing one new purchase: buyer, store, 1-5 distinct products, seller."""
        rand = rng.random
        customers = self.customers
        one_time_share = self.one_time_share
        stores = self.stores
        store_table, n_store_table = self.store_table, len(self.store_table)
        lines_table, n_lines_table = self.lines_table, len(self.lines_table)
        qty_table, n_qty_table = self.qty_table, len(self.qty_table)
        size = len(self.catalog)
        sellers = [
            tuple(f"{s.code}-V{k:02d}" for k in range(1, 7)) if s.channel == STORE else ("",)
            for s in stores
        ]
        has_web_id = Customers.has_web_id
        instance = self

        def buy() -> _Order:
            if rand() < one_time_share:
                index, h = customers.one_time_buyer()
            else:
                index, h = customers.repeat_buyer(rand())
            if rand() < 0.45:
                store = customers.home_store(h)
            else:
                store = store_table[int(rand() * n_store_table)]
            wanted = lines_table[int(rand() * n_lines_table)]
            products: dict[int, int] = {}
            while len(products) < wanted:
                products[int(size * rand() ** 2.5)] = qty_table[int(rand() * n_qty_table)]
            code, channel = stores[store]
            store_sellers = sellers[store]
            instance.counter += 1
            return _Order(
                f"{code}-{instance.counter:09d}",
                store,
                index,
                channel != STORE and has_web_id(h),
                date_text,
                tuple(products.items()),
                store_sellers[int(rand() * len(store_sellers))],
            )

        return buy

    def _return(self, rng: random.Random, date_text: str) -> _Order:
        """A negative order of an earlier purchase's customer: one line or all, full quantity."""
        position = rng.randrange(len(self.recent))
        original = self.recent[position]
        del self.recent[position]  # returned once at most
        lines = original.lines
        if len(lines) > 1 and rng.random() < 0.7:
            lines = (lines[rng.randrange(len(lines))],)
        code = self.stores[original.store].code
        return original._replace(
            number=self._next_number(code, "NC"),
            date=date_text,
            lines=tuple((product, -qty) for product, qty in lines),
        )

    def _resend(self, rng: random.Random) -> _Order:
        """The same order key and date with changed lines; the new version replaces the old."""
        position = rng.randrange(len(self.recent))
        original = self.recent[position]
        lines = list(original.lines)
        if len(lines) > 1 and rng.random() < 0.5:
            del lines[rng.randrange(len(lines))]
        else:
            product, qty = lines[0]
            lines[0] = (product, qty + 1)
        changed = original._replace(lines=tuple(lines))
        self.recent[position] = changed
        return changed

    def _emitter(
        self, rng: random.Random, writers: dict[FileKind, _FileWriter]
    ) -> Callable[[_Order], None]:
        """A closure writing one order's header, lines and categories (the hot path).

        Rows are built as finished lines, fields in contract order (the header comes from
        `loaders.contract`; the tests check every value against the type of its column).
        """
        rand = rng.random
        write_order = writers[FileKind.ORDERS].write
        write_line = writers[FileKind.ORDERSDETAIL].write
        write_category = writers[FileKind.ORDERSDETAILCATEGORIES].write
        catalog = self.catalog
        stores = self.stores
        user_id = Customers.user_id
        promos, n_promos = self.promo_table, len(self.promo_table)
        store_pay, n_store_pay = self.store_payments, len(self.store_payments)
        online_pay, n_online_pay = self.online_payments, len(self.online_payments)
        shipping, n_shipping = self.shipping_table, len(self.shipping_table)
        vat = 100 + self.profile.vat_percent
        sep = DELIMITER

        def emit(order: _Order) -> None:
            code, channel = stores[order.store]
            number, seller = order.number, order.seller
            key = f"{number}{sep}{code}{sep}"
            amount_sum = items = 0
            for product_index, qty in order.lines:
                product = catalog[product_index]
                amount = qty * product.price_cents
                amount_sum += amount
                items += qty
                line_amount = product.price if qty == 1 else _money(amount)
                write_line(
                    f"{key}{product.head}{sep}{qty}.00{sep}{product.price}{sep}{line_amount}"
                    f"{sep}{seller}"
                )
                for tail in product.category_tails:
                    write_category(key + tail)
            is_return = amount_sum < 0
            promo = "" if is_return else promos[int(rand() * n_promos)]
            discount = amount_sum // 10 if promo else 0
            if channel == STORE:
                payment = store_pay[int(rand() * n_store_pay)]
                method, ship, ship_text = NO_SHIPPING
            else:
                payment = online_pay[int(rand() * n_online_pay)]
                method, ship, ship_text = (
                    NO_SHIPPING if is_return else shipping[int(rand() * n_shipping)]
                )
            net = amount_sum * 100 // vat if amount_sum >= 0 else -(-amount_sum * 100 // vat)
            shown_channel = "" if rand() < EMPTY_CHANNEL_SHARE else channel
            write_order(
                f"{key}{user_id(order.customer, order.web)}{sep}{order.date}{sep}{items}.00{sep}"
                f"{len(order.lines)}.00{sep}{_money(amount_sum - discount + ship)}{sep}"
                f"{_money(net)}{sep}{_money(discount) if discount else '0.00'}{sep}{ship_text}{sep}"
                f"{payment}{sep}"
                f"{method}{sep}{promo}{sep}{seller}{sep}{shown_channel}"
            )

        return emit


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def _check(options: GeneratorOptions) -> None:
    """Refuse options that cannot give a meaningful data set, with a message for the CLI."""
    if options.customers < 1:
        raise ValueError("customers must be at least 1")
    if options.days < 1:
        raise ValueError("days must be at least 1")
    if not 1 <= options.instances <= len(INSTANCES):
        raise ValueError(f"instances must be between 1 and {len(INSTANCES)}")
    if options.orders is not None and options.orders < 0:
        raise ValueError("orders must not be negative")
    if options.customers >= 100_000_000:
        raise ValueError("customers must be below 100,000,000 (UserIds have 8 digits)")
    for name in ("cp1252_share", "malformed_share"):
        if not 0.0 <= getattr(options, name) <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1")


def generate(
    out_dir: Path,
    options: GeneratorOptions,
    on_file: Callable[[FileSummary], None] | None = None,
) -> GenerationSummary:
    """Write 4 files per (instance, day) into `out_dir`, day by day like a real inbox fills up.

    `on_file` is called after each file is closed (the CLI advances a progress bar with it).
    """
    _check(options)
    out_dir.mkdir(parents=True, exist_ok=True)
    catalog = build_catalog(options.seed)
    instances = [
        _Instance(position, profile, options, catalog)
        for position, profile in enumerate(INSTANCES[: options.instances])
    ]
    summary = GenerationSummary()
    for day in range(options.days):
        file_date = options.start_date + timedelta(days=day)
        for instance in instances:
            for file_summary in instance.write_batch(out_dir, day, file_date):
                summary.files.append(file_summary)
                if on_file is not None:
                    on_file(file_summary)
    summary.returns = sum(i.returns for i in instances)
    summary.resent_orders = sum(i.resent for i in instances)
    return summary
