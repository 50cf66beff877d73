"""The deployment artefact: `serverless package` for real, with no AWS access, inspected.

The zip must hold the app and its runtime requirements only, built for the function's
platform, with bytecode Lambda can use; the CloudFormation template must wire the
handler, the routes, the stage limits and a least-privilege role.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import botocore
import botocore.session
import pytest

import triggers
from proxy_app.aws.admin import OPERATOR_ONLY_OPERATIONS
from proxy_app.config import Config
from proxy_app.web import SWAGGER_UI_FILES
from tests.support.deploy_tools import ROOT, DeployTools, no_aws_environment

pytestmark = [pytest.mark.slow, pytest.mark.npm]

REGION = "eu-west-1"
POOL_ID = "eu-west-1_EXAMPLE01"
CLIENT_ID = "1example23456789abcdefghij"
PARAMS = {
    "RegionParameter": REGION,
    "CognitoUserPoolIdParameter": POOL_ID,
    "CognitoAppClientIdParameter": CLIENT_ID,
    "CognitoAutoconfirmUserParameter": "true",
}
ACCOUNT = "123456789012"
# The routes that make Cognito send an SMS or email, each with its own throttle.
MESSAGE_ROUTES = [
    f"POST {prefix}{path}"
    for prefix in ("", "/Prod")
    for path in ("/signup", "/resendcode", "/password/reset")
]
LEGACY_URL_SSM = "/cognito-proxy/prod/legacy-auth-url"
TRIGGER_PARAMS = {
    "LegacyMigrationTriggerParameter": "true",
    "LegacyAuthUrlSsmParameter": LEGACY_URL_SSM,
    "LegacyEmailsVerifiedParameter": "true",
}
# 40.3 MiB measured: the pinned boto3 and botocore with their requirements 17.5 MiB
# (botocore's service models, gzipped already, 14.8 MiB), the legacy migration's libraries
# most of the rest (SQLAlchemy's compiled extensions 7.8 MiB, psycopg's libpq 3.9 MiB).
MAX_ZIP_MIB = 42
ELF_MACHINE_AARCH64 = 183
PYC_CHECKED_HASH = 0b11


@dataclass(frozen=True)
class Package:
    zip: zipfile.ZipFile
    zip_bytes: int
    template: dict[str, Any]

    @property
    def names(self) -> list[str]:
        return self.zip.namelist()

    def resources(self, kind: str) -> dict[str, Any]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == kind}


def _param_args(params: dict[str, str]) -> list[str]:
    return [arg for name, value in params.items() for arg in ("--param", f"{name}={value}")]


def _serverless(tools: DeployTools, *args: str, timeout: float = 300) -> Any:
    return subprocess.run(
        ["node", str(tools.serverless), *args],
        cwd=ROOT,
        env=no_aws_environment({"PYTHON312": str(tools.python312)}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def package(tools: DeployTools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    """Run `serverless package --stage prod` into a fresh folder, no AWS credentials."""
    out = tmp_path_factory.mktemp("serverless-package")
    result = _serverless(
        tools, "package", "--stage", "prod", "--package", str(out), *_param_args(PARAMS)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    archive = out / "cognito-proxy.zip"
    template = json.loads((out / "cloudformation-template-update-stack.json").read_text())
    with zipfile.ZipFile(archive) as opened:
        yield Package(opened, archive.stat().st_size, template)


@pytest.fixture(scope="module")
def trigger_package(
    tools: DeployTools, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Package]:
    """The same package with the User Migration trigger asked for."""
    out = tmp_path_factory.mktemp("serverless-package-trigger")
    result = _serverless(
        tools,
        "package",
        "--stage",
        "prod",
        "--package",
        str(out),
        *_param_args({**PARAMS, **TRIGGER_PARAMS}),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    archive = out / "cognito-proxy.zip"
    template = json.loads((out / "cloudformation-template-update-stack.json").read_text())
    with zipfile.ZipFile(archive) as opened:
        yield Package(opened, archive.stat().st_size, template)


def _cognito_permissions(package: Package) -> list[dict[str, Any]]:
    """The Lambda permissions granted to Cognito (API Gateway has its own)."""
    return [
        permission["Properties"]
        for permission in package.resources("AWS::Lambda::Permission").values()
        if permission["Properties"]["Principal"] == "cognito-idp.amazonaws.com"
    ]


def _printed(tools: DeployTools, params: dict[str, str]) -> Any:
    return _serverless(tools, "print", "--stage", "prod", "--format", "json", *_param_args(params))


class TestZip:
    def test_holds_the_app_and_its_runtime_requirements(self, package: Package) -> None:
        names = set(package.names)
        app_modules = {
            path.relative_to(ROOT).as_posix() for path in (ROOT / "proxy_app").rglob("*.py")
        }
        assert "wsgi.py" in names
        assert app_modules <= names
        for requirement in (
            "flask",
            "werkzeug",
            "apig_wsgi",
            "jwt",
            "marshmallow",
            "apispec",
            "cryptography",
            "sqlalchemy",
            "psycopg",
            "pymysql",
            "passlib",
            "bcrypt",
            "argon2",
            "boto3",
            "botocore",
        ):
            assert f"{requirement}/__init__.py" in names, requirement
        assert "triggers.py" in names

    @pytest.mark.parametrize("sdk", [boto3, botocore], ids=["boto3", "botocore"])
    def test_ships_the_sdk_the_tests_ran_against(self, package: Package, sdk: Any) -> None:
        """The function runs the pinned boto3 and botocore, not the runtime's own copies.

        Lambda puts the zip ahead of the runtime's libraries, so what the zip holds is what
        runs; the tests ran against the copy installed here, pinned in requirements.txt.
        """
        name = sdk.__name__
        assert f"{name}/__init__.py" in package.names, f"{name} is not in the zip (noDeploy?)"
        shipped = _version_in(package.zip.read(f"{name}/__init__.py").decode())
        assert shipped == _pinned(name) == sdk.__version__, (shipped, _pinned(name))

    def test_its_sdk_makes_the_app_s_clients_from_the_zip_alone(
        self, package: Package, tools: DeployTools, tmp_path: Any
    ) -> None:
        """boto3's own requirements (s3transfer, jmespath, dateutil, urllib3) came along."""
        package.zip.extractall(tmp_path)
        check = subprocess.run(
            [str(tools.python312), "-I", "-S", "-c", _MAKE_CLIENTS, str(tmp_path)],
            env=no_aws_environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        assert json.loads(check.stdout) == {
            "boto3": str(tmp_path / "boto3" / "__init__.py"),
            "botocore": _pinned("botocore"),
        }

    def test_holds_the_demo_page_and_swagger_ui(self, package: Package) -> None:
        """DEMO_PAGE=true works inside Lambda: templates, CSS, JS and Swagger UI's files."""
        names = set(package.names)
        web = ROOT / "proxy_app" / "web"
        assets = {
            path.relative_to(ROOT).as_posix()
            for folder in ("templates", "static")
            for path in (web / folder).iterdir()
        }
        assert assets <= names
        assert {"proxy_app/web/templates/index.html", "proxy_app/web/static/demo.js"} <= assets
        dist = "flask_swagger_ui/dist/"
        served = {dist + name for name in SWAGGER_UI_FILES} | {dist + "VERSION"}
        assert served <= names

    def test_holds_no_tests_tools_or_local_state(self, package: Package) -> None:
        forbidden = (
            "tests/",
            "bench/",
            "deploy/",
            "moto/",
            "pytest/",
            "_pytest/",
            "pytest_cov/",
            "mypy/",
            "ruff/",
            "node_modules/",
            ".venv",
            ".serverless/",
            ".git",
            "conftest",
            # The local emulator (moto behind local_cognito) is for local mode only.
            "local_cognito/",
        )
        found = sorted({n for n in package.names if n.startswith(forbidden)})
        assert found == []
        # Local mode (the emulator, its routes, its start-up) stays outside the package.
        assert not any(n.startswith("local_cognito") for n in package.names)
        top_level = {name.split("/")[0] for name in package.names}
        assert not any(name.startswith(("moto-", "pytest-")) for name in top_level)

    def test_is_small_and_reports_its_size(
        self, package: Package, capsys: pytest.CaptureFixture[str]
    ) -> None:
        unzipped = sum(info.file_size for info in package.zip.infolist())
        with capsys.disabled():
            print(
                f"\n[deploy] cognito-proxy.zip: {package.zip_bytes / 2**20:.2f} MiB zipped, "
                f"{unzipped / 2**20:.2f} MiB unzipped, {len(package.names)} files"
            )
        assert package.zip_bytes < MAX_ZIP_MIB * 2**20

    def test_native_extensions_are_built_for_arm64(self, package: Package) -> None:
        libraries = [name for name in package.names if name.endswith(".so")]
        assert libraries, "cryptography ships a compiled extension"
        for name in libraries:
            header = package.zip.read(name)[:20]
            assert header[:4] == b"\x7fELF", name
            assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64, name
            assert "x86_64" not in name, name

    def test_bytecode_is_hash_checked_against_the_shipped_sources(
        self, package: Package, tools: DeployTools
    ) -> None:
        """Timestamp .pyc files are stale once unzipped; hash-checked ones stay valid."""
        names = set(package.names)
        pycs = sorted(name for name in names if name.endswith(".pyc"))
        assert any(name.startswith("flask/__pycache__/") for name in pycs)
        pairs = {}
        for name in pycs:
            assert ".cpython-312." in name, name
            assert int.from_bytes(package.zip.read(name)[4:8], "little") == PYC_CHECKED_HASH, name
            folder, _, file = name.rpartition("__pycache__/")
            pairs[name] = f"{folder}{file.split('.')[0]}.py"
            assert pairs[name] in names, name
        # The hash is keyed by the interpreter's magic number: ask Python 3.12 itself.
        check = subprocess.run(
            [str(tools.python312), "-c", _CHECK_PYC_HASHES, package.zip.filename or ""],
            input=json.dumps(pairs),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        assert json.loads(check.stdout) == {"checked": len(pairs), "stale": []}
        for module in [n for n in names if n.startswith("proxy_app/") and n.endswith(".py")]:
            folder, _, file = module.rpartition("/")
            assert f"{folder}/__pycache__/{file[:-3]}.cpython-312.pyc" in names, module
        for module in ("wsgi", "triggers"):
            assert f"__pycache__/{module}.cpython-312.pyc" in names, module


def _version_in(source: str) -> str:
    """The `__version__ = "..."` a package's __init__.py sets."""
    found = re.search(r"""^__version__ = ['"]([^'"]+)['"]""", source, re.MULTILINE)
    assert found, "no __version__"
    return found.group(1)


def _pinned(name: str) -> str:
    """The version requirements.txt pins for `name`."""
    text = (ROOT / "requirements.txt").read_text()
    found = re.search(rf"^{re.escape(name)}==(\S+)$", text, re.MULTILINE | re.IGNORECASE)
    assert found, f"{name} is not pinned in requirements.txt"
    return found.group(1)


# Run with -I -S: no site-packages, only the standard library and the unzipped package.
_MAKE_CLIENTS = """
import json, sys
sys.path.insert(0, sys.argv[1])
import boto3, botocore
for service in ("cognito-idp", "dynamodb"):
    boto3.session.Session().client(service, region_name="us-east-1")
print(json.dumps({"boto3": boto3.__file__, "botocore": botocore.__version__}))
"""


_CHECK_PYC_HASHES = """
import importlib.util, json, sys, zipfile
pairs = json.load(sys.stdin)
with zipfile.ZipFile(sys.argv[1]) as z:
    stale = [pyc for pyc, py in pairs.items()
             if z.read(pyc)[8:16] != importlib.util.source_hash(z.read(py))]
print(json.dumps({"checked": len(pairs), "stale": stale}))
"""


class TestTemplate:
    def test_function_handler_runtime_and_architecture(self, package: Package) -> None:
        (function,) = package.resources("AWS::Lambda::Function").values()
        properties = function["Properties"]
        assert properties["Handler"] == "wsgi.handler"
        assert properties["Runtime"] == "python3.12"
        assert properties["Architectures"] == ["arm64"]
        assert 0 < properties["Timeout"] < 30  # under the HTTP API's integration limit

    def test_environment_is_the_configuration_the_app_reads(self, package: Package) -> None:
        (function,) = package.resources("AWS::Lambda::Function").values()
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["COGNITO_APP_CLIENT_SECRET"] == ""
        # The service's table, by default: CloudFormation gives its name.
        assert variables.pop("REVOCATION_TABLE") == {"Ref": "ServiceTable"}
        config = Config.from_env(
            {
                **variables,
                "REVOCATION_TABLE": "cognito-proxy-prod-ServiceTable-1A2B3C",
                "AWS_LAMBDA_FUNCTION_NAME": "cognito-proxy",
            }
        )
        assert config.records_table == "cognito-proxy-prod-ServiceTable-1A2B3C"
        assert config.token_revocation_check is False
        assert config.in_lambda
        assert (config.region, config.user_pool_id, config.app_client_id) == (
            REGION,
            POOL_ID,
            CLIENT_ID,
        )
        assert config.autoconfirm_user is True
        assert config.app_client_secret is None
        assert config.endpoint_url is None
        assert not config.serves_demo_page

    def test_api_routes_go_to_the_function_with_payload_v2(self, package: Package) -> None:
        routes = package.resources("AWS::ApiGatewayV2::Route").values()
        assert sorted(route["Properties"]["RouteKey"] for route in routes) == sorted(
            ["ANY /", "ANY /{proxy+}", *MESSAGE_ROUTES]
        )
        (integration,) = package.resources("AWS::ApiGatewayV2::Integration").values()
        assert integration["Properties"]["IntegrationType"] == "AWS_PROXY"
        assert integration["Properties"]["PayloadFormatVersion"] == "2.0"
        assert "CorsConfiguration" not in package.template["Resources"]["HttpApi"]["Properties"]

    def test_stage_is_throttled_and_logs_expire(self, package: Package) -> None:
        (stage,) = package.resources("AWS::ApiGatewayV2::Stage").values()
        settings = stage["Properties"]["DefaultRouteSettings"]
        assert settings["ThrottlingRateLimit"] > 0
        assert settings["ThrottlingBurstLimit"] >= settings["ThrottlingRateLimit"]
        groups = package.resources("AWS::Logs::LogGroup").values()
        assert len(groups) == 2  # the function's and the API's access log
        assert all(group["Properties"]["RetentionInDays"] > 0 for group in groups)

    def test_routes_that_send_messages_are_throttled_tighter(self, package: Package) -> None:
        """Sign-up, resend and reset make Cognito send SMS or email on the pool's bill."""
        (stage,) = package.resources("AWS::ApiGatewayV2::Stage").values()
        default = stage["Properties"]["DefaultRouteSettings"]
        settings = stage["Properties"]["RouteSettings"]
        assert sorted(settings) == sorted(MESSAGE_ROUTES)
        for route in MESSAGE_ROUTES:
            assert 0 < settings[route]["ThrottlingRateLimit"] < default["ThrottlingRateLimit"]
            assert (
                settings[route]["ThrottlingRateLimit"]
                <= settings[route]["ThrottlingBurstLimit"]
                < default["ThrottlingBurstLimit"]
            )
        # The stage names the routes by key, so it must be created after them.
        route_ids = set(package.resources("AWS::ApiGatewayV2::Route"))
        keys = {package.template["Resources"][i]["Properties"]["RouteKey"] for i in route_ids}
        assert set(MESSAGE_ROUTES) <= keys
        depends = set(stage["DependsOn"])
        assert {
            i
            for i in route_ids
            if package.template["Resources"][i]["Properties"]["RouteKey"] in MESSAGE_ROUTES
        } <= depends

    def test_role_allows_exactly_the_admin_actions_the_gateway_calls(
        self, package: Package
    ) -> None:
        (role,) = package.resources("AWS::IAM::Role").values()
        assert "ManagedPolicyArns" not in role["Properties"]
        statements = [
            statement
            for policy in role["Properties"]["Policies"]
            for statement in policy["PolicyDocument"]["Statement"]
        ]
        cognito = [s for s in statements if any(a.startswith("cognito-idp:") for a in s["Action"])]
        assert len(cognito) == 1
        (statement,) = cognito
        assert statement["Effect"] == "Allow"
        assert set(statement["Action"]) == _iam_actions_the_gateway_needs()
        resource = statement["Resource"]
        assert _render(resource) == f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{POOL_ID}"
        for each in statements:
            assert not any("*" in action for action in each["Action"]), each


class TestMigrationTrigger:
    def test_not_deployed_unless_asked_for(self, package: Package) -> None:
        functions = package.resources("AWS::Lambda::Function")
        assert [f["Properties"]["Handler"] for f in functions.values()] == ["wsgi.handler"]
        assert _cognito_permissions(package) == []
        assert len(package.resources("AWS::IAM::Role")) == 1

    def test_its_own_function_on_the_lambda_runtime_within_cognitos_limit(
        self, trigger_package: Package
    ) -> None:
        functions = trigger_package.resources("AWS::Lambda::Function")
        by_handler = {f["Properties"]["Handler"]: f["Properties"] for f in functions.values()}
        assert set(by_handler) == {"wsgi.handler", "triggers.handler"}
        trigger = by_handler["triggers.handler"]
        assert trigger["Runtime"] == "python3.12"
        assert trigger["Architectures"] == ["arm64"]
        assert trigger["Timeout"] == 5  # Cognito waits 5 s
        assert trigger["Role"] == {"Fn::GetAtt": ["UserMigrationRole", "Arn"]}
        assert by_handler["wsgi.handler"]["Role"] != trigger["Role"]

    def test_its_settings_come_from_ssm_and_the_trigger_accepts_them(
        self, trigger_package: Package
    ) -> None:
        (function,) = [
            f
            for f in trigger_package.resources("AWS::Lambda::Function").values()
            if f["Properties"]["Handler"] == "triggers.handler"
        ]
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["LEGACY_AUTH_URL"] == f"{{{{resolve:ssm:{LEGACY_URL_SSM}}}}}"
        assert variables["COGNITO_APP_CLIENT_SECRET"] == ""
        resolved = {**variables, "LEGACY_AUTH_URL": "https://legacy.example.com/auth"}
        config = Config.legacy_from_env({**resolved, "AWS_LAMBDA_FUNCTION_NAME": "trigger"})
        assert config.legacy_emails_verified is True
        assert config.legacy_timeout_seconds <= triggers.MAX_TIMEOUT_SECONDS

    def test_its_role_writes_its_own_logs_and_nothing_else(self, trigger_package: Package) -> None:
        role = trigger_package.template["Resources"]["UserMigrationRole"]
        assert role["Type"] == "AWS::IAM::Role"
        assert "ManagedPolicyArns" not in role["Properties"]
        statements = [
            statement
            for policy in role["Properties"]["Policies"]
            for statement in policy["PolicyDocument"]["Statement"]
        ]
        assert [(s["Effect"], sorted(s["Action"])) for s in statements] == [
            ("Allow", ["logs:CreateLogStream", "logs:PutLogEvents"])
        ]
        assert _render(statements[0]["Resource"]) == (
            f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/cognito-proxy-prod-userMigration:*"
        )

    def test_only_the_existing_pool_may_invoke_it(self, trigger_package: Package) -> None:
        (properties,) = _cognito_permissions(trigger_package)
        assert properties["Action"] == "lambda:InvokeFunction"
        assert properties["Principal"] == "cognito-idp.amazonaws.com"
        assert properties["FunctionName"] == {"Fn::GetAtt": ["UserMigrationLambdaFunction", "Arn"]}
        assert _render(properties["SourceArn"]) == (
            f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{POOL_ID}"
        )
        assert properties["SourceAccount"] == {"Ref": "AWS::AccountId"}
        assert trigger_package.resources("AWS::Cognito::UserPool") == {}  # not a new pool


class TestParameters:
    @pytest.mark.parametrize(
        ("parameter", "variable"),
        [
            ("CognitoAppClientSecretSsmParameter", "COGNITO_APP_CLIENT_SECRET"),
            ("AutoconfirmSecretSsmParameter", "AUTOCONFIRM_SECRET"),
        ],
    )
    def test_secrets_are_deploy_time_ssm_references(
        self, tools: DeployTools, parameter: str, variable: str
    ) -> None:
        name = f"/cognito-proxy/prod/{parameter}"
        result = _printed(tools, {**PARAMS, parameter: name})
        assert result.returncode == 0, result.stderr
        environment = json.loads(result.stdout)["provider"]["environment"]
        assert environment[variable] == f"{{{{resolve:ssm:{name}}}}}"

    def test_without_ssm_names_the_secrets_are_empty(self, tools: DeployTools) -> None:
        result = _printed(tools, PARAMS)
        assert result.returncode == 0, result.stderr
        environment = json.loads(result.stdout)["provider"]["environment"]
        assert environment["COGNITO_APP_CLIENT_SECRET"] == ""
        assert environment["AUTOCONFIRM_SECRET"] == ""

    def test_message_route_throttles_are_deploy_parameters(self, tools: DeployTools) -> None:
        params = {
            **PARAMS,
            "MessageRouteThrottlingRateLimitParameter": "2",
            "MessageRouteThrottlingBurstLimitParameter": "3",
        }
        result = _printed(tools, params)
        assert result.returncode == 0, result.stderr
        stage = json.loads(result.stdout)["resources"]["extensions"]["HttpApiStage"]
        for route in MESSAGE_ROUTES:
            limits = stage["Properties"]["RouteSettings"][route]
            # From the command line they are strings; CloudFormation reads them as numbers.
            rate, burst = limits["ThrottlingRateLimit"], limits["ThrottlingBurstLimit"]
            assert (float(rate), float(burst)) == (2, 3)

    @pytest.mark.parametrize(
        "missing", ["RegionParameter", "CognitoUserPoolIdParameter", "CognitoAppClientIdParameter"]
    )
    def test_a_missing_required_parameter_stops_the_build(
        self, tools: DeployTools, missing: str
    ) -> None:
        params = {k: v for k, v in PARAMS.items() if k != missing}
        result = _printed(tools, params)
        assert result.returncode != 0
        assert 'Value not found at "param" source' in result.stdout + result.stderr


def _iam_actions_the_gateway_needs() -> set[str]:
    """The Cognito operations the gateway (proxy_app/aws/cognito.py, admin.py, mfa.py) calls that
    IAM governs (signed ones)."""
    sources = [
        (ROOT / "proxy_app" / "aws" / name).read_text()
        for name in ("cognito.py", "admin.py", "mfa.py")
    ]
    called = {
        node.func.attr
        for source in sources
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "client"
    }
    model = botocore.session.get_session().get_service_model("cognito-idp")
    operations = {botocore.xform_name(name): name for name in model.operation_names}
    assert called and called <= operations.keys(), called - operations.keys()
    # The `flask users` commands run with the operator's credentials, not the function's.
    assert {operations[name] for name in called} >= OPERATOR_ONLY_OPERATIONS
    return {
        f"cognito-idp:{operations[name]}"
        for name in called
        if model.operation_model(operations[name]).auth_type != "none"
        and operations[name] not in OPERATOR_ONLY_OPERATIONS
    }


def _render(value: Any) -> str:
    """Render the few intrinsic functions a resource ARN may use, for one fake account."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_render(part) for part in parts)
    pseudo = {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::Region": REGION}
    if "Ref" in value and value["Ref"] in pseudo:
        return pseudo[value["Ref"]]
    raise AssertionError(f"unexpected intrinsic in a Cognito resource: {value}")


class TestSignInMigration:
    """LegacySignInMigrationParameter: the API migrates, and the service's table exists."""

    @staticmethod
    def _resolved(tools: DeployTools, **params: str) -> dict[str, Any]:
        result = _printed(tools, {**PARAMS, **params})
        assert result.returncode == 0, result.stdout + result.stderr
        printed: dict[str, Any] = json.loads(result.stdout)
        return printed

    @staticmethod
    def _api(printed: dict[str, Any]) -> dict[str, Any]:
        functions = printed["functions"]
        if isinstance(functions, list):
            functions = {k: v for each in functions for k, v in each.items()}
        api: dict[str, Any] = functions["api"]
        return api

    @staticmethod
    def _resources(printed: dict[str, Any]) -> dict[str, Any]:
        resources = printed["resources"]
        if isinstance(resources, list):
            merged: dict[str, Any] = {}
            for each in resources:
                merged.update(each.get("Resources", {}))
            return merged
        return dict(resources.get("Resources", {}))

    def test_off_by_default_but_the_table_is_there_for_sign_outs(self, tools: DeployTools) -> None:
        printed = self._resolved(tools)
        environment = self._api(printed)["environment"]
        assert "LEGACY_USER_QUERY" not in environment
        assert environment == {
            "TOKEN_REVOCATION_CHECK": "false",
            "REVOCATION_TABLE": {"Ref": "ServiceTable"},
        }
        assert "ServiceTable" in self._resources(printed)

    def test_without_token_revocation_there_is_no_table(self, tools: DeployTools) -> None:
        printed = self._resolved(tools, TokenRevocationParameter="false")
        assert self._api(printed)["environment"] == {"TOKEN_REVOCATION_CHECK": "false"}
        assert "ServiceTable" not in self._resources(printed)
        # Sign-in migration still brings it (deleted accounts must stay deleted).
        migrating = self._resolved(
            tools, TokenRevocationParameter="false", LegacySignInMigrationParameter="true"
        )
        assert self._api(migrating)["environment"]["REVOCATION_TABLE"] == {"Ref": "ServiceTable"}

    def test_on_gives_the_api_the_legacy_settings_and_its_table(self, tools: DeployTools) -> None:
        name = "/cognito-proxy/prod/legacy-db"
        printed = self._resolved(
            tools,
            LegacySignInMigrationParameter="true",
            LegacyDatabaseUrlSsmParameter=name,
            LegacyUserQueryParameter="SELECT password_hash FROM users WHERE login = :username",
        )
        environment = self._api(printed)["environment"]
        assert environment["LEGACY_DATABASE_URL"] == f"{{{{resolve:ssm:{name}}}}}"
        assert environment["REVOCATION_TABLE"] == {"Ref": "ServiceTable"}
        resources = self._resources(printed)
        table = resources["ServiceTable"]["Properties"]
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
        (statement,) = resources["ServiceTablePolicy"]["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Resource"] == {"Fn::GetAtt": ["ServiceTable", "Arn"]}
        assert sorted(statement["Action"]) == [
            "dynamodb:BatchGetItem",  # a revocation check reads both its records at once
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
        ]


def test_with_the_trigger_and_sign_in_migration_the_trigger_reads_the_table(
    tools: DeployTools,
) -> None:
    printed = TestSignInMigration._resolved(
        tools, **TRIGGER_PARAMS, LegacySignInMigrationParameter="true"
    )
    functions = printed["functions"]
    if isinstance(functions, list):
        functions = {k: v for each in functions for k, v in each.items()}
    assert functions["userMigration"]["environment"]["REVOCATION_TABLE"] == {"Ref": "ServiceTable"}
    resources = TestSignInMigration._resources(printed)
    policy = resources["UserMigrationServiceTablePolicy"]["Properties"]
    assert policy["Roles"] == [{"Ref": "UserMigrationRole"}]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["dynamodb:GetItem"]
    alone = TestSignInMigration._resources(
        TestSignInMigration._resolved(tools, **TRIGGER_PARAMS, TokenRevocationParameter="false")
    )
    assert "UserMigrationServiceTablePolicy" not in alone


def test_the_revocation_check_gives_the_api_its_flag_and_the_table(tools: DeployTools) -> None:
    printed = TestSignInMigration._resolved(tools, TokenRevocationCheckParameter="true")
    environment = TestSignInMigration._api(printed)["environment"]
    assert environment == {
        "TOKEN_REVOCATION_CHECK": "true",
        "REVOCATION_TABLE": {"Ref": "ServiceTable"},
    }
    resources = TestSignInMigration._resources(printed)
    assert resources["ServiceTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expiresAt",
        "Enabled": True,
    }
    assert "ServiceTablePolicy" in resources
    both = TestSignInMigration._resolved(
        tools, TokenRevocationCheckParameter="true", LegacySignInMigrationParameter="true"
    )
    environment = TestSignInMigration._api(both)["environment"]
    assert environment["TOKEN_REVOCATION_CHECK"] == "true"
    assert "LEGACY_USER_QUERY" in environment
    assert environment["REVOCATION_TABLE"] == {"Ref": "ServiceTable"}


def test_bytecode_of_a_module_that_is_gone_is_not_shipped(tmp_path: Any) -> None:
    """A moved or deleted module's .pyc would ship and stay importable: the packaging
    plugin removes it before compiling (`pythonBin: true` stands in for compileall)."""
    cache = tmp_path / "proxy_app" / "routes" / "__pycache__"
    cache.mkdir(parents=True)
    (tmp_path / "proxy_app" / "routes" / "kept.py").write_text("")
    (cache / "kept.cpython-312.pyc").write_bytes(b"")
    (cache / "gone.cpython-312.pyc").write_bytes(b"")
    script = (
        "const Ship = require(process.argv[1]);"
        "new Ship({service: {custom: {pythonRequirements: {pythonBin: 'true'}}},"
        " serviceDir: process.argv[2], classes: {Error}}).compileApp();"
    )
    plugin = str(ROOT / "deploy" / "ship-bytecode.js")
    subprocess.run(["node", "-e", script, plugin, str(tmp_path)], check=True, timeout=60)
    assert sorted(path.name for path in cache.iterdir()) == ["kept.cpython-312.pyc"]
