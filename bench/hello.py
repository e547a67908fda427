"""The ceiling: an aiohttp hello-world that reads a JSON body and answers JSON, nothing else."""
import sys

from aiohttp import web


async def hello(request: web.Request) -> web.Response:
    await request.json()
    return web.json_response({"hello": "world"}, status=201)


app = web.Application()
app.router.add_post("/hello", hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
