"""Write channels/web/static/favicon.ico from the shapes of favicon.svg (run from any directory after changing the icon)."""
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parents[1] / "channels" / "web" / "static"
SIZE = 64  # drawn at 64 px, saved at 16, 32 and 48


def draw() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, SIZE - 1, SIZE - 1), radius=12, fill="#0b4f8a")
    pen.ellipse((16, 10, 48, 42), fill="#ffffff")  # the pin's head: a circle of radius 8 at (16, 13) in the svg's 32
    pen.polygon([(17, 30), (47, 30), (32, 54)], fill="#ffffff")  # its point
    pen.ellipse((26, 20, 38, 32), fill="#0b4f8a")  # the hole
    return image


if __name__ == "__main__":
    draw().save(HERE / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
