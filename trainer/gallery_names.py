"""Names for the gallery cats, in English and Spanish, grouped by what the cat looks like.

A name that fits the coat ("Ginger" for an orange cat) is easier to remember than a number,
so the builder picks from the pool matching each cat's colour and falls back to the general pool.
Pairs are translations or well-known equivalents, not word-for-word.
"""

from __future__ import annotations

import numpy as np

POOLS: dict[str, list[tuple[str, str]]] = {
    "dark": [
        ("Shadow", "Sombra"), ("Midnight", "Medianoche"), ("Panther", "Pantera"), ("Licorice", "Regaliz"),
        ("Coal", "Carbón"), ("Raven", "Cuervo"), ("Ink", "Tinta"), ("Onyx", "Ónix"), ("Pepper", "Pimienta"),
        ("Espresso", "Café"), ("Night", "Noche"), ("Eclipse", "Eclipse"), ("Truffle", "Trufa"),
        ("Cocoa", "Cacao"), ("Bat", "Murciélago"), ("Olive", "Aceituna"), ("Storm", "Tormenta"),
        ("Salem", "Salem"), ("Jet", "Azabache"), ("Ninja", "Ninja"),
    ],
    "orange": [
        ("Ginger", "Canela"), ("Pumpkin", "Calabaza"), ("Marmalade", "Mermelada"), ("Carrot", "Zanahoria"),
        ("Tangerine", "Mandarina"), ("Apricot", "Albaricoque"), ("Mango", "Mango"), ("Sunny", "Sol"),
        ("Nacho", "Nacho"), ("Saffron", "Azafrán"), ("Peach", "Melocotón"), ("Biscuit", "Galleta"),
        ("Caramel", "Caramelo"), ("Honey", "Miel"), ("Paprika", "Pimentón"), ("Amber", "Ámbar"),
        ("Goldie", "Dorada"), ("Flame", "Llama"), ("Garfield", "Garfield"), ("Cheddar", "Queso"),
    ],
    "light": [
        ("Snowball", "Copito"), ("Cloud", "Nube"), ("Marshmallow", "Malvavisco"), ("Coconut", "Coco"),
        ("Pearl", "Perla"), ("Cotton", "Algodón"), ("Vanilla", "Vainilla"), ("Sugar", "Azúcar"),
        ("Milk", "Leche"), ("Ghost", "Fantasma"), ("Frost", "Escarcha"), ("Angel", "Ángel"), ("Rice", "Arroz"),
        ("Daisy", "Margarita"), ("Moon", "Luna"), ("Blanca", "Blanca"), ("Meringue", "Merengue"),
        ("Polar", "Polar"), ("Ivory", "Marfil"), ("Lily", "Lirio"),
    ],
    "grey": [
        ("Smokey", "Humo"), ("Ash", "Ceniza"), ("Silver", "Plata"), ("Misty", "Niebla"), ("Pebble", "Guijarro"),
        ("Slate", "Pizarra"), ("Dusty", "Polvo"), ("Granite", "Granito"), ("Steel", "Acero"),
        ("Pigeon", "Paloma"), ("Koala", "Koala"), ("Mouse", "Ratón"), ("Graphite", "Grafito"),
        ("Thunder", "Trueno"), ("Pewter", "Estaño"), ("Fog", "Bruma"), ("Rain", "Lluvia"),
        ("Tin", "Hojalata"), ("Nickel", "Níquel"), ("Blue", "Azul"),
    ],
    "brown": [
        ("Tiger", "Tigre"), ("Hazel", "Avellana"), ("Toffee", "Toffee"), ("Cookie", "Galletita"),
        ("Acorn", "Bellota"), ("Maple", "Arce"), ("Bear", "Oso"), ("Mocha", "Moca"), ("Cinnamon", "Canelita"),
        ("Chestnut", "Castaña"), ("Fudge", "Dulce"), ("Nutmeg", "Nuez"), ("Pretzel", "Rosquilla"),
        ("Teddy", "Osito"), ("Walnut", "Nogal"), ("Sandy", "Arena"), ("Tabby", "Atigrado"), ("Leo", "Leo"),
        ("Lynx", "Lince"), ("Bramble", "Zarza"),
    ],
    "any": [
        ("Whiskers", "Bigotes"), ("Mittens", "Manoplas"), ("Patches", "Parches"), ("Socks", "Calcetines"),
        ("Bandit", "Bandido"), ("Pirate", "Pirata"), ("Button", "Botón"), ("Pixel", "Píxel"),
        ("Biscotti", "Bizcocho"), ("Noodle", "Fideo"), ("Muffin", "Magdalena"), ("Pickle", "Pepinillo"),
        ("Domino", "Dominó"), ("Oreo", "Oreo"), ("Cosmo", "Cosmos"), ("Comet", "Cometa"), ("Star", "Estrella"),
        ("Felix", "Félix"), ("Tom", "Tomás"), ("Kitty", "Gatita"), ("Prince", "Príncipe"),
        ("Princess", "Princesa"), ("Duke", "Duque"), ("Baron", "Barón"), ("Captain", "Capitán"),
        ("Professor", "Profesor"), ("Doctor", "Doctor"), ("Rascal", "Pillo"), ("Sleepy", "Dormilón"),
        ("Grumpy", "Gruñón"), ("Happy", "Feliz"), ("Lucky", "Suerte"), ("Rocket", "Cohete"),
        ("Zigzag", "Zigzag"), ("Jazz", "Jazz"), ("Tango", "Tango"), ("Salsa", "Salsa"), ("Churro", "Churro"),
        ("Paella", "Paella"), ("Taco", "Taco"), ("Chili", "Chile"), ("Pepe", "Pepe"), ("Lola", "Lola"),
        ("Miso", "Miso"), ("Sushi", "Sushi"), ("Tofu", "Tofu"), ("Wasabi", "Wasabi"), ("Kiwi", "Kiwi"),
        ("Plum", "Ciruela"), ("Fig", "Higo"), ("Berry", "Mora"), ("Clover", "Trébol"), ("Fern", "Helecho"),
        ("Willow", "Sauce"), ("River", "Río"), ("Breeze", "Brisa"), ("Echo", "Eco"), ("Nova", "Nova"),
        ("Orion", "Orión"), ("Atlas", "Atlas"),
    ],
}


def pick_names(kinds: list[str]) -> list[dict[str, str]]:
    """One distinct name per cat, from its colour's pool while it lasts, then the general pool."""
    used: set[str] = set()
    cursor = {k: 0 for k in POOLS}
    out = []
    for kind in kinds:
        for pool in (kind, "any", *POOLS):
            names = POOLS.get(pool, [])
            while cursor[pool] < len(names) and names[cursor[pool]][0] in used:
                cursor[pool] += 1
            if cursor[pool] < len(names):
                en, es = names[cursor[pool]]
                cursor[pool] += 1
                break
        else:
            raise ValueError(f"not enough names for {len(kinds)} cats")
        used.add(en)
        out.append({"en": en, "es": es})
    return out


def coat_kind(face: np.ndarray) -> str:
    """Rough coat colour of a decoded cat face (H x W x 3 uint8 array), from its central region."""
    a = np.asarray(face, dtype=np.float32) / 255.0
    h, w = a.shape[:2]
    centre = a[h // 4: 3 * h // 4, w // 4: 3 * w // 4].reshape(-1, 3)
    r, g, b = centre.mean(0)
    light = float(centre.mean())
    sat = float(max(r, g, b) - min(r, g, b))
    if light < 0.28:
        return "dark"
    if light > 0.68 and sat < 0.12:
        return "light"
    if r > b + 0.12 and r > g + 0.03 and light > 0.35:
        return "orange"
    if sat < 0.08:
        return "grey"
    return "brown"
