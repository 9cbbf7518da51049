"""Extension objects, created once and bound to each app in the factory."""

from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from shared.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
