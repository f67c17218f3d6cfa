"""The floor: the least a Flask app can do for the upsert's request, a small JSON object and a 201."""

from flask import Flask


def create_app():
    app = Flask(__name__)

    @app.post("/users/<user_id>")
    def hello(user_id):
        return {"hello": user_id}, 201

    return app
