"""What Docker's official images set in their environment, as data.

BuildKit reads a base image's environment from the registry; the linter does not. For the
official images whose variables a Dockerfile commonly names again (``JAVA_HOME``,
``PYTHON_VERSION``), this says which the image sets, so a rule can tell a name the base
defines from a mistake. Only names the image's own Dockerfile sets with ``ENV`` are listed.
"""

from __future__ import annotations

from dockerlens.imageref import DEFAULT_DOMAIN, OFFICIAL_NAMESPACE, ImageRef

_JAVA = ("JAVA_HOME", "JAVA_VERSION", "LANG", "LANGUAGE", "LC_ALL")

#: Official image (its name under docker.io/library) -> variables its ENV sets.
ENVIRONMENT: dict[str, frozenset[str]] = {
    name: frozenset(names)
    for name, names in {
        "python": ("PYTHON_VERSION", "PYTHON_SHA256", "GPG_KEY", "LANG"),
        "pypy": ("PYPY_VERSION", "LANG"),
        "node": ("NODE_VERSION", "YARN_VERSION"),
        "golang": ("GOLANG_VERSION", "GOPATH", "GOTOOLCHAIN"),
        "rust": ("RUSTUP_HOME", "CARGO_HOME", "RUST_VERSION"),
        "ruby": ("RUBY_VERSION", "RUBY_DOWNLOAD_SHA256", "GEM_HOME", "BUNDLE_APP_CONFIG", "LANG"),
        "php": ("PHP_VERSION", "PHP_INI_DIR", "PHPIZE_DEPS", "PHP_URL", "PHP_SHA256", "GPG_KEYS"),
        "eclipse-temurin": _JAVA,
        "openjdk": _JAVA,
        "amazoncorretto": _JAVA,
        "ibm-semeru-runtimes": _JAVA,
        "sapmachine": _JAVA,
        "tomcat": (*_JAVA, "CATALINA_HOME", "TOMCAT_VERSION", "TOMCAT_MAJOR", "LD_LIBRARY_PATH"),
        "maven": (*_JAVA, "MAVEN_HOME", "MAVEN_CONFIG"),
        "gradle": (*_JAVA, "GRADLE_HOME", "GRADLE_VERSION"),
        "elixir": ("ELIXIR_VERSION", "LANG"),
        "erlang": ("OTP_VERSION", "REBAR3_VERSION", "LANG"),
        "postgres": ("PG_MAJOR", "PG_VERSION", "PGDATA", "LANG"),
        "nginx": ("NGINX_VERSION", "NJS_VERSION", "PKG_RELEASE"),
        "httpd": ("HTTPD_VERSION", "HTTPD_PREFIX"),
        "haproxy": ("HAPROXY_VERSION",),
        "redis": ("REDIS_VERSION",),
        "mariadb": ("MARIADB_VERSION", "LANG"),
        "mysql": ("MYSQL_MAJOR", "MYSQL_VERSION"),
        "gcc": ("GCC_VERSION",),
        "haskell": ("GHC", "CABAL_INSTALL", "STACK", "LANG"),
    }.items()
}


def image_environment(ref: ImageRef | None) -> frozenset[str]:
    """The variables the official image ``ref`` names sets; empty for any other image."""
    if ref is None or ref.domain != DEFAULT_DOMAIN:
        return frozenset()
    namespace, _, name = ref.path.rpartition("/")
    if namespace != OFFICIAL_NAMESPACE:
        return frozenset()
    return ENVIRONMENT.get(name, frozenset())
