"""Small previews of stored pictures (staff pages), made with Pillow on request, never stored."""

from __future__ import annotations

import io
import warnings

from straz.core.intake import max_image_pixels

# The longest side of a preview, in pixels: sharp on a high-density screen at 160 CSS px.
THUMBNAIL_SIDE = 320
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def thumbnail_jpeg(data: bytes, content_type: str, *, side: int = THUMBNAIL_SIDE) -> bytes | None:
    """A JPEG preview at most `side` pixels on its longest side, or None when it cannot be made."""
    from PIL import Image, ImageFile  # heavy third-party: loaded on first use

    if content_type not in _FORMATS:
        return None
    # Stored pictures were re-encoded on intake; a truncated one is damaged, not previewed.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_FORMATS[content_type]]) as im:
                if im.size[0] * im.size[1] > max_image_pixels():
                    return None
                # JPEG decodes straight at a reduced scale: fast even for large photos.
                im.draft("RGB", (side, side))
                im.thumbnail((side, side))
                if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                    rgba = im.convert("RGBA")
                    flat = Image.new("RGB", rgba.size, (255, 255, 255))
                    flat.paste(rgba, mask=rgba.getchannel("A"))
                else:
                    flat = im.convert("RGB")
                out = io.BytesIO()
                flat.save(out, format="JPEG", quality=82, optimize=True)
    except Exception:  # Pillow raises many types for bad input; no preview then
        return None
    return out.getvalue()
