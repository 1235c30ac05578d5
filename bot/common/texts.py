"""Every user-facing sentence, in English and Spanish (the original app was bilingual es/en).

Bots call `t(key, lang, **params)`; engine errors map to text via `error_text`.
"""

from __future__ import annotations

from bot.common.fitting import echo
from vae_core.errors import KittenError

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        # issue 13: the gallery, the map, litters, 3-4-cat mixes, blends
        "cats_caption": "Cats {first}-{last} of {count} (page {page} of {pages}). Mix two: /mix {first} {last}",
        "cats_title": "Cats {first}-{last} of {count}",
        "cats_prev": "◀ Previous",
        "cats_next": "Next ▶",
        "usage_cats": "Usage: /cats [page 1-{pages}], e.g. /cats 2",
        "no_gallery": "The built-in cats aren't available on this bot right now; you can still mix photos.",
        "no_such_cat": "There's no cat #{number}: the gallery has cats 1 to {count}. /cats shows them.",
        "map_caption": "The map of cats: look-alikes sit together. Numbers are the ones in /cats.",
        "map_path_caption": "The path of {names} across the map of cats.",
        "usage_map": "Usage: /map, or /map 12 47 (or with two photos) to draw the path between two cats.",
        "usage_cat": "Usage: /cat 12 (a gallery cat), /cat Luna (a cat adopted here), or /cat with one photo.",
        "need_one_cat": "/cat shows one cat at a time; I got {count}.",
        "portrait_caption": "{name}, large. 🐾",
        "kittens_caption": "{count} kittens {first} and {second} might have (seed {seed}: /kittens … {seed} "
                           "gives the same litter).",
        "usage_kittens": "Usage: /kittens with two cat photos, or gallery numbers or names (/kittens 12 47), and "
                         "an optional seed: /kittens 12 47 5",
        "need_two_parents": "A litter needs two cats: photos, gallery numbers or names. I got {count}.",
        "blend_caption": "One cat, blended: {parts}",
        "usage_blend": "Usage: /blend 70 30 with two to four cat photos (or #12 #47 70 30): one weight per cat.",
        "blend_counts": "I need 2 to 4 cats with one weight each; I got {cats} cats and {weights} weights.",
        "blend_bad_weight": "“{word}” isn't a weight I can use. Weights are numbers of 0 or more, one per cat: "
                            "70 30, 70/30, 70% 30% or 70,5 29,5.",
        "blend_zero_weights": "The weights can't all be zero: give each cat its share, e.g. 70 30.",
        "map_counts": "A path on the map needs 2 to 4 cats; I got {count}.",
        "kittens_bad_seed": "After the two cats I can take one whole number, the seed (like 42); “{word}” isn't one.",
        "not_a_cat": "I don't know what “{word}” means here: name cats by gallery number (#12), by the name of a "
                     "cat adopted here, or send photos.",
        "need_mix_cats": "I can mix 2 to 4 cats; I got {count}.",
        "mix_done_loop": "Here's your loop through {count} cats! 🐾",
        "cmd_cats": "The built-in cats, 16 a page",
        "cmd_map": "The map of cats, and a mix's path",
        "cmd_cat": "One cat, large: a gallery number, a name, or a photo as I cut it",
        "cmd_kittens": "Six kittens two cats might have",
        "cmd_blend": "One cat blended from 2-4 cats by weight",
        "dc_opt_page": "Which page of 16 cats",
        "dc_opt_picks": "Gallery numbers or your chat's cat names, e.g. 12 47",
        "dc_opt_cat3": "A third cat photo (3-4 cats make one loop)",
        "dc_opt_cat4": "A fourth cat photo",
        "dc_opt_weights": "One weight per cat, e.g. 70 30",
        "dc_opt_kitten_seed": "A number to get the same litter again",
        "help": (
            "🐱 Kitten Mixer morphs one cat into another!\n\n"
            "{mix_how}\n"
            "Options: a number of frames (2-32), grid or gif, slerp, boomerang. Example: {example}\n"
            "Three or four cats make one loop through them all."
        ),
        "help_line": "{command} — {what}",
        "help_line_example": "{command} — {what} (e.g. {example})",
        "mix_how_telegram": "Send two cat photos as an album with /mix as the caption, or reply /mix to a photo "
                            "while attaching another, or send /mix and then two photos.",
        "mix_how_discord": "Use /mix with two cat photos (cat1 and cat2), or right-click a message with two "
                           "photos → Apps → Mix these cats.",
        "ask_photos": "Send me two cat photos (within {minutes} minutes) and I'll mix them.",
        "ask_one_more": "Got one cat! Now send the second photo.",
        "ask_expired": "I didn't get two photos in time; send /mix again when you're ready.",
        "usage_mix": "Usage: /mix [2-32 frames] [gif|grid] [linear|slerp] [boomerang] [384px], e.g. /mix 16 grid",
        "usage_random": "Usage: /random [1-16 cats] [seed], e.g. /random 4 42",
        # issue 12: specific usage errors (the usage line follows them)
        "opt_unknown": "I don't know the option “{word}”.",
        "unknown_cat_name": "I don't know a cat called “{word}” here. Name a cat adopted in this chat (see /cats), "
                            "use a gallery number like #12, or send photos.",
        "opt_did_you_mean": "I don't know “{word}”: did you mean {suggestion}?",
        "opt_too_many_frames": "{value} is more than {limit} frames.",
        "opt_too_few_frames": "{value} is fewer than {limit} frames.",
        "opt_too_many_cats": "{value} is more than {limit} cats.",
        "opt_too_few_cats": "I draw at least {limit} cat, not {value}.",
        "opt_not_number": "“{word}” isn't a number.",
        "opt_negative": "“{word}” is a negative number: counts, frames and seeds start at 0 or 1, never below.",
        "opt_extra_word": "“{word}” is one word too many.",
        "opt_seed_too_big": "The seed can be at most {limit}.",
        # issue 12: first-time users, privacy mode, what a result is, buttons
        "private_hint": "Send me two cat photos (an album, or one after the other) and I'll mix them. /help for more.",
        "ask_second": "Nice cat! Send me one more photo and I'll mix the two.",
        "ask_photos_group": "Reply to this message with two cat photos (an album works) within {minutes} minutes, "
                            "and I'll mix them.",
        "ask_one_more_group": "Got one cat! Now reply to this message with the second photo.",
        "album_privacy": "I only got one photo of that album: in groups Telegram shows me just the photo with the "
                         "caption. Reply to this message with the other photo and I'll mix them.",
        "about_mix": "{frames} frames · {path} · {format}",
        "path_slerp": "slerp path",
        "path_linear": "straight-line path",
        "format_gif": "GIF",
        "format_grid": "grid",
        "format_boomerang_gif": "boomerang GIF",
        "random_seed": "Seed {seed}: {again} draws these cats again.",
        "with_random_cat": "the second cat is a random one (seed {seed})",
        "btn_swap": "⇄ Swap",
        "btn_boomerang": "↔ Boomerang",
        "btn_grid": "▦ Grid",
        "btn_gif": "▶ GIF",
        "btn_more": "➕ More frames",
        "btn_random_cat": "🎲 With a random cat",
        "button_expired": "This button has expired; send the photos again to mix them.",
        "button_unknown": "This button doesn't do anything (any more).",
        "button_foreign": "This button belongs to a result in another chat.",
        "need_two": "I need two cat photos to mix; I got {count}.",
        "mix_done": "Here's your kitten mix! 🐾",
        "random_done": "{count} cats that never existed.",
        "random_roll": "Roll again",
        # issue 23: inline mode (@bot in any chat)
        "inline_mix_title": "{names}",
        "inline_mix_gif": "Mix as a GIF · {about}",
        "inline_mix_grid": "Mix as a grid · {about}",
        "inline_random_title": "{count} random cats",
        "inline_random_about": "Seed {seed}: @{bot} random {seed} draws them again",
        "inline_kittens_title": "Kittens of {first} and {second}",
        "inline_kittens_about": "Seed {seed}: @{bot} kittens … {seed} gives the same litter",
        "inline_cat_about": "Your cat {name}",
        "inline_recent_about": "One of your recent results",
        "inline_gallery_about": "Gallery cat #{number}: @{bot} {number} 47 mixes it",
        "inline_mixing": "Mixing {names}… ⏳",
        "inline_in_line": "Mixing {names}… you're #{place} in line ⏳",
        "inline_failed": "Sorry, I couldn't make this one: {reason}",
        "inline_gone": "Sorry, this result is no longer available; try @{bot} again.",
        "inline_expired": "Sorry, the bot restarted and this result waited too long; try @{bot} again.",
        "inline_busy": "Sorry, too many cats are being mixed right now; try @{bot} again in a minute.",
        "inline_more": "🐱 Mix more",
        "inline_again_random": "🎲 More cats",
        "inline_again_kittens": "🐾 Another litter",
        "inline_refused_title": "I can't make that",
        "inline_help_title": "Mix cats: @{bot} 12 47",
        "inline_help_about": "Two gallery numbers or your cats' names; random [seed]; kittens 12 47",
        "no_face": "I couldn't find a cat face in {which}, so I used the middle of the photo.",
        "first_photo": "the first photo",
        "second_photo": "the second photo",
        # issue 10: when the finder isn't sure, ask where the face is
        "the_photo": "the photo",
        "photo_n": "photo {n}",
        "source_photo": "photo {n}",  # a photo among a mix's sources, in its caption (bot/common/captions.py)
        "face_where": "I couldn't find the cat's face in {which}. Where's the face? Tap its square "
                      "(I'll wait {minutes} minutes).",
        "face_whole": "Use the whole photo",
        "face_dog": "{which} looks like a dog to me, not a cat 🐶. Tap “Mix it anyway” to mix it as it is, or "
                    "the square where a cat's face is. I'll wait {minutes} min.",
        "face_mix_anyway": "🐶 Mix it anyway",
        "face_got_it": "Got it, mixing!",
        "face_got_it_adopt": "Got it, adopting!",
        "face_next": "Thanks! One more:",
        "face_expired": "That question has expired; please send the photos again.",
        "face_not_yours": "Only the person who sent these photos can answer.",
        "several_cats": "I saw {count} cats in {which} and used the clearest face.",
        "err_no_face": "I couldn't find a cat face in that photo; please send one where the face shows.",
        "first_frame": "{which} is animated; I used its first frame.",
        "queue_place": "You're #{place} in line… I'll mix your cats as soon as it's your turn.",
        "queue_places": "In line here: {places}. I'll answer each of you in turn.",
        "line_full_user": "You already have {count} requests waiting. I'm keeping this one for you: "
                          "tap “Try again” when one of them is done.",
        "line_full_chat": "This chat already has {count} requests waiting. I'm keeping this one for you: "
                          "tap “Try again” in a moment.",
        "line_full_total": "I'm very busy right now ({count} requests waiting). I'm keeping this one for you: "
                           "tap “Try again” in a moment.",
        "retry_button": "Try again",
        "retry_still_full": "Still busy; please try again in a moment.",
        "retry_expired": "That request has expired; please send it again.",
        "retry_not_yours": "That button belongs to someone else's request.",
        "not_photo": "That's not a photo I can use; please send a JPEG, PNG or WebP picture of a cat.",
        "sticker": "Stickers can't be mixed; please send a photo of a cat.",
        "file_too_big": "That file is {size_mb} MB; the limit is {limit_mb} MB.",
        "download_failed": "I couldn't download that photo; please try again.",
        "reply_too_big": "The result is too big to upload here; try fewer frames or the grid format.",
        "internal_error": "Sorry, something went wrong on my side. Please try again.",
        "resynced": "Commands synced ({count}).",
        "not_owner": "Only the bot's owner can do that.",
        "cmd_mix": "Mix two cat photos into a GIF (or a grid)",
        "cmd_random": "Cats that never existed",
        "cmd_help": "How to use Kitten Mixer",
        # engine error codes
        "err_not_image": "That file isn't an image I can read; please send a photo.",
        "err_corrupt": "That image looks damaged or incomplete; please send it again.",
        "err_unsupported": "{format} images aren't supported; please send a JPEG, PNG, WebP, GIF or BMP photo.",
        "err_too_large": "That file is {size_mb} MB; the limit is {limit_mb} MB.",
        "err_too_many_pixels": "That image has too many pixels to process; please send a smaller one.",
        "err_too_small": "That image is only {width}x{height} pixels; I need at least {limit} px on each side.",
        "err_bad_request": "{message}",
        "err_busy": "I'm mixing lots of cats right now; please try again in a moment.",
        "err_timeout": "That took too long, sorry; please try again.",
        # Discord: option descriptions (max 100 characters), the context menu, the mix caption
        "dc_opt_cat1": "The first cat photo",
        "dc_opt_cat2": "The second cat photo",
        "dc_opt_frames": "How many frames, 2-32 (default 12)",
        "dc_opt_format": "gif: an animation; grid: every step side by side in one picture",
        "dc_opt_path": "linear, or slerp for a smoother path between the two cats",
        "dc_opt_boomerang": "Play the animation forward, then back",
        "dc_opt_size": "Picture size in pixels: 256 (default) or 384; grid cells are half that",
        "dc_opt_count": "How many cats, 1-16 (default 16)",
        "dc_opt_seed": "A number to draw the same cats again",
        "dc_cmd_resync": "Owner only: register the bot's commands with Discord again",
        "dc_menu_mix": "Mix these cats",
        # issue 23: user-installed commands (the bot itself may not be where they are used)
        "dc_needs_bot_here": "I can only keep adopted cats for a server that added me, and this one hasn't. Ask "
                             "an admin to add Kitten Mixer to the server, or adopt your cats in a DM with me. "
                             "/mix, /random and the gallery work here anyway.",
        "dc_only_you_see": "(Only you can see this: this server doesn't let apps you added yourself post for "
                           "everyone. Share it by hand, or ask an admin to add Kitten Mixer.)",
        "dc_shrunk": "(Made plainer to fit the {limit_mb} MB upload limit here: fewer colours, frames or pixels.)",
        # the chat's own cats (/adopt, /forget, the list in /cats)
        "adopt_usage": "Reply /adopt NAME to a cat photo to keep that cat for this chat, e.g. /adopt Luna",
        "adopt_done": "{name} is now one of this chat's cats! 🐾 Try /mix {name} with a photo or another cat.",
        "name_empty": "Please give the cat a name, e.g. /adopt Luna",
        "name_too_long": "A cat's name can be at most {limit} characters long.",
        "name_bad_chars": "A cat's name can only have letters, digits, - and _ (no spaces).",
        "name_number": "A cat's name needs at least one letter (numbers are for the gallery's cats).",
        "name_reserved": "“{name}” is a word I use for commands; please pick another name.",
        "name_taken": "This chat already has a cat called {name}; pick another name, or /forget {name} first.",
        "chat_full": "This chat already has {limit} cats, as many as I can keep; /forget one first.",
        "unknown_cat": "I don't know a cat called “{name}” in this chat; /cats lists them.",
        "forget_usage": "Usage: /forget NAME, or /forget all (chat admins only).",
        "adopt_not_saved": "Sorry, I couldn't save {name} right now, so {name} is not one of this chat's cats yet. "
                           "Please try again in a little while.",
        "storage_unavailable": "I can't reach this chat's saved cats right now; please try again in a little "
                               "while. Mixing photos, /random and the gallery still work.",
        "forget_done": "I've forgotten {name}.",
        "forget_all_done": "I've forgotten all of this chat's cats ({count}).",
        "forget_all_admins": "Only the chat's admins can forget all of its cats.",
        "adopted_title": "This chat's cats ({count}/{limit}): {names}",
        "adopted_none": "This chat has no cats of its own yet: reply /adopt NAME to a cat photo.",
        "cmd_adopt": "Keep the cat in a photo under a name, for this chat",
        "cmd_forget": "Forget one of this chat's cats (or all of them: admins)",
        "dc_opt_adopt_name": "The cat's name: letters, digits, - and _, up to 20",
        "dc_opt_adopt_photo": "A photo of the cat",
        "dc_opt_forget_name": "The cat's name, or all (server admins only)",
        # the request journal (restarts)
        "resume_later": "I'm restarting right now. Your request is saved: I'll finish it as soon as I'm back.",
        "request_expired": "Sorry, I was restarting and your request waited too long; please send it again.",
        "restarting_try_again": "I'm restarting right now; please try again in a minute.",
    },
    "es": {
        "cats_caption": "Gatos {first}-{last} de {count} (página {page} de {pages}). Mezcla dos: /mix {first} {last}",
        "cats_title": "Gatos {first}-{last} de {count}",
        "cats_prev": "◀ Anterior",
        "cats_next": "Siguiente ▶",
        "usage_cats": "Uso: /cats [página 1-{pages}], p. ej. /cats 2",
        "no_gallery": "Los gatos de la galería no están disponibles ahora en este bot; aún puedes mezclar fotos.",
        "no_such_cat": "No hay gato #{number}: la galería tiene los gatos 1 a {count}. /cats los muestra.",
        "map_caption": "El mapa de gatos: los parecidos están juntos. Los números son los de /cats.",
        "map_path_caption": "El camino de {names} por el mapa de gatos.",
        "usage_map": "Uso: /map, o /map 12 47 (o con dos fotos) para dibujar el camino entre dos gatos.",
        "usage_cat": "Uso: /gato 12 (un gato de la galería), /gato Luna (un gato adoptado aquí), o /gato con una foto.",
        "need_one_cat": "/gato muestra un gato cada vez; recibí {count}.",
        "portrait_caption": "{name}, en grande. 🐾",
        "kittens_caption": "{count} gatitos que podrían tener {first} y {second} (semilla {seed}: /gatitos … {seed} "
                           "da la misma camada).",
        "usage_kittens": "Uso: /gatitos con dos fotos de gatos, o números de la galería o nombres (/gatitos 12 47), "
                         "y una semilla opcional: /gatitos 12 47 5",
        "need_two_parents": "Una camada necesita dos gatos: fotos, números de la galería o nombres. Recibí {count}.",
        "blend_caption": "Un gato, mezclado: {parts}",
        "usage_blend": "Uso: /blend 70 30 con dos a cuatro fotos de gatos (o #12 #47 70 30): un peso por gato.",
        "blend_counts": "Necesito de 2 a 4 gatos con un peso cada uno; recibí {cats} gatos y {weights} pesos.",
        "blend_bad_weight": "«{word}» no es un peso que pueda usar. Los pesos son números de 0 o más, uno por gato: "
                            "70 30, 70/30, 70% 30% o 70,5 29,5.",
        "blend_zero_weights": "Los pesos no pueden ser todos cero: da a cada gato su parte, p. ej. 70 30.",
        "map_counts": "Un camino en el mapa necesita de 2 a 4 gatos; recibí {count}.",
        "kittens_bad_seed": "Después de los dos gatos puedo tomar un número entero, la semilla (como 42); «{word}» "
                            "no lo es.",
        "not_a_cat": "No sé qué significa «{word}» aquí: nombra los gatos por su número de la galería (#12), por el "
                     "nombre de un gato adoptado aquí, o manda fotos.",
        "need_mix_cats": "Puedo mezclar de 2 a 4 gatos; recibí {count}.",
        "mix_done_loop": "¡Aquí tienes tu bucle por {count} gatos! 🐾",
        "cmd_cats": "Los gatos de la galería, 16 por página",
        "cmd_map": "El mapa de gatos y el camino de una mezcla",
        "cmd_cat": "Un gato en grande: un número de la galería, un nombre, o una foto tal como la recorto",
        "cmd_kittens": "Seis gatitos que podrían tener dos gatos",
        "cmd_blend": "Un gato mezclado de 2 a 4 gatos con pesos",
        "dc_opt_page": "Qué página de 16 gatos",
        "dc_opt_picks": "Números de la galería o nombres de los gatos del chat, p. ej. 12 47",
        "dc_opt_cat3": "Una tercera foto de gato (3-4 gatos forman un bucle)",
        "dc_opt_cat4": "Una cuarta foto de gato",
        "dc_opt_weights": "Un peso por gato, p. ej. 70 30",
        "dc_opt_kitten_seed": "Un número para obtener la misma camada otra vez",
        "help": (
            "🐱 ¡Kitten Mixer transforma un gato en otro!\n\n"
            "{mix_how}\n"
            "Opciones: número de fotogramas (2-32), grid o gif, slerp, boomerang. Ejemplo: {example}\n"
            "Tres o cuatro gatos forman un bucle por todos ellos."
        ),
        "help_line": "{command} — {what}",
        "help_line_example": "{command} — {what} (p. ej. {example})",
        "mix_how_telegram": "Envía dos fotos de gatos como álbum con /mix en el pie de foto, o responde /mix a una "
                            "foto adjuntando otra, o envía /mix y luego dos fotos.",
        "mix_how_discord": "Usa /mix con dos fotos de gatos (cat1 y cat2), o haz clic derecho en un mensaje con dos "
                           "fotos → Apps → Mix these cats.",
        "ask_photos": "Envíame dos fotos de gatos (en {minutes} minutos) y las mezclo.",
        "ask_one_more": "¡Tengo un gato! Ahora envía la segunda foto.",
        "ask_expired": "No recibí dos fotos a tiempo; envía /mix otra vez cuando quieras.",
        "usage_mix": "Uso: /mix [2-32 fotogramas] [gif|grid] [linear|slerp] [boomerang] [384px], p. ej. /mix 16 grid",
        "usage_random": "Uso: /random [1-16 gatos] [semilla], p. ej. /random 4 42",
        "opt_unknown": "No conozco la opción «{word}».",
        "unknown_cat_name": "No conozco a ningún gato llamado «{word}» aquí. Nombra un gato adoptado en este chat "
                            "(mira /cats), usa un número de la galería como #12, o manda fotos.",
        "opt_did_you_mean": "No conozco «{word}»: ¿quisiste decir {suggestion}?",
        "opt_too_many_frames": "{value} son más de {limit} fotogramas.",
        "opt_too_few_frames": "{value} son menos de {limit} fotogramas.",
        "opt_too_many_cats": "{value} son más de {limit} gatos.",
        "opt_too_few_cats": "Dibujo al menos {limit} gato, no {value}.",
        "opt_not_number": "«{word}» no es un número.",
        "opt_negative": "«{word}» es un número negativo: las cantidades, los fotogramas y las semillas empiezan en "
                        "0 o 1, nunca menos.",
        "opt_extra_word": "«{word}» es una palabra de más.",
        "opt_seed_too_big": "La semilla puede ser como mucho {limit}.",
        "private_hint": "Envíame dos fotos de gatos (un álbum, o una tras otra) y las mezclo. /help para más.",
        "ask_second": "¡Qué gato! Envíame una foto más y mezclo las dos.",
        "ask_photos_group": "Responde a este mensaje con dos fotos de gatos (vale un álbum) en {minutes} minutos "
                            "y las mezclo.",
        "ask_one_more_group": "¡Tengo un gato! Ahora responde a este mensaje con la segunda foto.",
        "album_privacy": "Solo recibí una foto de ese álbum: en los grupos Telegram me muestra solo la foto con el "
                         "pie de foto. Responde a este mensaje con la otra foto y las mezclo.",
        "about_mix": "{frames} fotogramas · {path} · {format}",
        "path_slerp": "camino slerp",
        "path_linear": "camino en línea recta",
        "format_gif": "GIF",
        "format_grid": "cuadrícula",
        "format_boomerang_gif": "GIF bumerán",
        "random_seed": "Semilla {seed}: {again} vuelve a dibujar estos gatos.",
        "with_random_cat": "el segundo gato es uno al azar (semilla {seed})",
        "btn_swap": "⇄ Invertir",
        "btn_boomerang": "↔ Bumerán",
        "btn_grid": "▦ Cuadrícula",
        "btn_gif": "▶ GIF",
        "btn_more": "➕ Más fotogramas",
        "btn_random_cat": "🎲 Con un gato al azar",
        "button_expired": "Este botón ha caducado; envía las fotos otra vez para mezclarlas.",
        "button_unknown": "Este botón ya no hace nada.",
        "button_foreign": "Este botón es de un resultado de otro chat.",
        "need_two": "Necesito dos fotos de gatos para mezclar; recibí {count}.",
        "mix_done": "¡Aquí tienes tu mezcla de gatitos! 🐾",
        "random_done": "{count} gatos que nunca existieron.",
        "random_roll": "Otra vez",
        # issue 23: modo inline (@bot en cualquier chat)
        "inline_mix_title": "{names}",
        "inline_mix_gif": "Mezcla en GIF · {about}",
        "inline_mix_grid": "Mezcla en cuadrícula · {about}",
        "inline_random_title": "{count} gatos al azar",
        "inline_random_about": "Semilla {seed}: @{bot} random {seed} los dibuja otra vez",
        "inline_kittens_title": "Gatitos de {first} y {second}",
        "inline_kittens_about": "Semilla {seed}: @{bot} kittens … {seed} da la misma camada",
        "inline_cat_about": "Tu gato {name}",
        "inline_recent_about": "Uno de tus resultados recientes",
        "inline_gallery_about": "Gato #{number} de la galería: @{bot} {number} 47 lo mezcla",
        "inline_mixing": "Mezclando {names}… ⏳",
        "inline_in_line": "Mezclando {names}… vas #{place} en la fila ⏳",
        "inline_failed": "Lo siento, no pude hacer este: {reason}",
        "inline_gone": "Lo siento, este resultado ya no está disponible; prueba @{bot} otra vez.",
        "inline_expired": "Lo siento, el bot se reinició y este resultado esperó demasiado; prueba @{bot} otra vez.",
        "inline_busy": "Lo siento, ahora mismo se están mezclando muchos gatos; prueba @{bot} en un minuto.",
        "inline_more": "🐱 Mezclar más",
        "inline_again_random": "🎲 Más gatos",
        "inline_again_kittens": "🐾 Otra camada",
        "inline_refused_title": "No puedo hacer eso",
        "inline_help_title": "Mezcla gatos: @{bot} 12 47",
        "inline_help_about": "Dos números de la galería o los nombres de tus gatos; random [semilla]; kittens 12 47",
        "no_face": "No encontré una cara de gato en {which}, así que usé el centro de la foto.",
        "first_photo": "la primera foto",
        "second_photo": "la segunda foto",
        "the_photo": "la foto",
        "photo_n": "la foto {n}",
        "source_photo": "foto {n}",
        "face_where": "No encontré la cara del gato en {which}. ¿Dónde está la cara? Toca su casilla "
                      "(espero {minutes} minutos).",
        "face_whole": "Usar la foto entera",
        "face_dog": "{which} me parece un perro, no un gato 🐶. Toca «Mezclar igualmente» para mezclarla tal "
                    "cual, o la casilla donde está la cara de un gato. Espero {minutes} min.",
        "face_mix_anyway": "🐶 Mezclar igualmente",
        "face_got_it": "¡Entendido, mezclando!",
        "face_got_it_adopt": "¡Entendido, adoptando!",
        "face_next": "¡Gracias! Una más:",
        "face_expired": "Esa pregunta ha caducado; envía las fotos de nuevo.",
        "face_not_yours": "Solo quien envió estas fotos puede responder.",
        "several_cats": "Vi {count} gatos en {which} y usé la cara más clara.",
        "err_no_face": "No encontré una cara de gato en esa foto; envía una donde se vea la cara.",
        "first_frame": "{which} es animada; usé su primer fotograma.",
        "queue_place": "Vas el n.º {place} en la fila… Mezclaré tus gatos en cuanto sea tu turno.",
        "queue_places": "En la fila: {places}. Os respondo por turnos.",
        "line_full_user": "Ya tienes {count} peticiones esperando. Te guardo esta: "
                          "pulsa «Reintentar» cuando termine alguna.",
        "line_full_chat": "Este chat ya tiene {count} peticiones esperando. Te guardo esta: "
                          "pulsa «Reintentar» en un momento.",
        "line_full_total": "Estoy muy ocupado ahora mismo ({count} peticiones esperando). Te guardo esta: "
                           "pulsa «Reintentar» en un momento.",
        "retry_button": "Reintentar",
        "retry_still_full": "Sigo ocupado; inténtalo de nuevo en un momento.",
        "retry_expired": "Esa petición ha caducado; envíala de nuevo.",
        "retry_not_yours": "Ese botón es de la petición de otra persona.",
        "not_photo": "Eso no es una foto que pueda usar; envía una imagen JPEG, PNG o WebP de un gato.",
        "sticker": "Los stickers no se pueden mezclar; envía una foto de un gato.",
        "file_too_big": "Ese archivo pesa {size_mb} MB; el límite es {limit_mb} MB.",
        "download_failed": "No pude descargar esa foto; inténtalo de nuevo.",
        "reply_too_big": "El resultado es demasiado grande para subirlo aquí; prueba con menos fotogramas o con grid.",
        "internal_error": "Lo siento, algo falló por mi parte. Inténtalo de nuevo.",
        "resynced": "Comandos sincronizados ({count}).",
        "not_owner": "Solo el dueño del bot puede hacer eso.",
        "cmd_mix": "Mezcla dos fotos de gatos en un GIF (o una cuadrícula)",
        "cmd_random": "Gatos que nunca existieron",
        "cmd_help": "Cómo usar Kitten Mixer",
        "err_not_image": "Ese archivo no es una imagen que pueda leer; envía una foto.",
        "err_corrupt": "Esa imagen parece dañada o incompleta; envíala de nuevo.",
        "err_unsupported": "Las imágenes {format} no son compatibles; envía una foto JPEG, PNG, WebP, GIF o BMP.",
        "err_too_large": "Ese archivo pesa {size_mb} MB; el límite es {limit_mb} MB.",
        "err_too_many_pixels": "Esa imagen tiene demasiados píxeles; envía una más pequeña.",
        "err_too_small": "Esa imagen mide solo {width}x{height} píxeles; necesito al menos {limit} px por lado.",
        "err_bad_request": "{message}",
        "err_busy": "Estoy mezclando muchos gatos ahora mismo; inténtalo de nuevo en un momento.",
        "err_timeout": "Eso tardó demasiado, lo siento; inténtalo de nuevo.",
        "dc_opt_cat1": "La primera foto de gato",
        "dc_opt_cat2": "La segunda foto de gato",
        "dc_opt_frames": "Cuántos fotogramas, 2-32 (12 por defecto)",
        "dc_opt_format": "gif: una animación; grid: todos los pasos juntos en una imagen",
        "dc_opt_path": "linear, o slerp para un camino más suave entre los dos gatos",
        "dc_opt_boomerang": "Reproducir la animación hacia delante y luego hacia atrás",
        "dc_opt_size": "Tamaño de la imagen en píxeles: 256 (por defecto) o 384; las celdas del grid, la mitad",
        "dc_opt_count": "Cuántos gatos, 1-16 (16 por defecto)",
        "dc_opt_seed": "Un número para volver a obtener los mismos gatos",
        "dc_cmd_resync": "Solo el dueño: registrar de nuevo los comandos del bot en Discord",
        "dc_menu_mix": "Mix these cats",  # not translated: the Spanish help text names it in English
        "dc_needs_bot_here": "Solo puedo guardar gatos adoptados para un servidor que me haya añadido, y este no "
                             "lo ha hecho. Pide a un admin que añada Kitten Mixer al servidor, o adopta tus gatos "
                             "en un mensaje directo conmigo. /mix, /random y la galería funcionan aquí igualmente.",
        "dc_only_you_see": "(Solo tú puedes ver esto: este servidor no deja que las apps que añadiste tú publiquen "
                           "para todos. Compártelo a mano, o pide a un admin que añada Kitten Mixer.)",
        "dc_shrunk": "(Simplificado para caber en el límite de subida de {limit_mb} MB de aquí: menos colores, "
                     "fotogramas o píxeles.)",
        "adopt_usage": "Responde /adopt NOMBRE a una foto de gato para guardar ese gato en este chat, "
                       "p. ej. /adopt Luna",
        "adopt_done": "¡{name} ya es uno de los gatos de este chat! 🐾 Prueba /mix {name} con una foto u otro gato.",
        "name_empty": "Dale un nombre al gato, p. ej. /adopt Luna",
        "name_too_long": "El nombre de un gato puede tener como mucho {limit} caracteres.",
        "name_bad_chars": "El nombre de un gato solo puede tener letras, números, - y _ (sin espacios).",
        "name_number": "El nombre de un gato necesita al menos una letra (los números son para los gatos de la "
                       "galería).",
        "name_reserved": "«{name}» es una palabra que uso para comandos; elige otro nombre.",
        "name_taken": "Este chat ya tiene un gato llamado {name}; elige otro nombre, o usa /forget {name} antes.",
        "chat_full": "Este chat ya tiene {limit} gatos, los que puedo guardar como mucho; olvida uno con /forget.",
        "unknown_cat": "No conozco ningún gato llamado «{name}» en este chat; /cats los muestra.",
        "forget_usage": "Uso: /forget NOMBRE, o /forget all (solo administradores del chat).",
        "adopt_not_saved": "Lo siento, ahora mismo no he podido guardar a {name}, así que aún no es uno de los gatos "
                           "de este chat. Inténtalo de nuevo dentro de un rato.",
        "storage_unavailable": "Ahora mismo no puedo llegar a los gatos guardados de este chat; inténtalo de nuevo "
                               "dentro de un rato. Mezclar fotos, /random y la galería siguen funcionando.",
        "forget_done": "He olvidado a {name}.",
        "forget_all_done": "He olvidado todos los gatos de este chat ({count}).",
        "forget_all_admins": "Solo los administradores del chat pueden olvidar todos sus gatos.",
        "adopted_title": "Los gatos de este chat ({count}/{limit}): {names}",
        "adopted_none": "Este chat aún no tiene gatos propios: responde /adopt NOMBRE a una foto de gato.",
        "cmd_adopt": "Guarda el gato de una foto con un nombre, para este chat",
        "cmd_forget": "Olvida uno de los gatos de este chat (o todos: administradores)",
        "dc_opt_adopt_name": "El nombre del gato: letras, números, - y _, hasta 20",
        "dc_opt_adopt_photo": "Una foto del gato",
        "dc_opt_forget_name": "El nombre del gato, o all (solo administradores del servidor)",
        "resume_later": "Me estoy reiniciando. Tu petición está guardada: la terminaré en cuanto vuelva.",
        "request_expired": "Lo siento, me estaba reiniciando y tu petición esperó demasiado; envíala de nuevo.",
        "restarting_try_again": "Me estoy reiniciando ahora mismo; inténtalo de nuevo en un minuto.",
    },
}


def lang_for(code: str | None) -> str:
    """Telegram gives `es`, `es-AR`...; Discord gives `es-ES`, `es-419`."""
    return "es" if code and code.lower().startswith("es") else "en"


# Parameters that quote what a user typed: cut short wherever a sentence quotes them (fitting.py).
ECHOED = frozenset({"word", "value", "name", "suggestion", "number"})


def t(key: str, lang: str = "en", **params: object) -> str:
    table = TEXTS.get(lang, TEXTS["en"])
    cut = {k: echo(v) if k in ECHOED else v for k, v in params.items()}
    return table.get(key, TEXTS["en"][key]).format(**cut)


def mb(n: int | float) -> str:
    return f"{n / (1024 * 1024):.0f}" if n >= 1024 * 1024 else f"{n / (1024 * 1024):.1f}"


def error_text(err: KittenError, lang: str = "en") -> str:
    """A user-facing sentence for an engine error, in the user's language."""
    p = dict(err.params)
    if "size" in p:
        p["size_mb"] = mb(p["size"])
    if "limit" in p and err.code == "too_large":
        p["limit_mb"] = mb(p["limit"])
    p.setdefault("message", str(err))
    key = f"err_{err.code}"
    try:
        return t(key, lang, **p)
    except (KeyError, IndexError):
        return str(err)
