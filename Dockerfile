# The CityPass server image: ASP.NET Core API + admin console + Orleans silo in one process.
# Build: docker build -t registry.example.com/citypass/server:0.13.0 .   (docs/deployment.md)
# No HEALTHCHECK: Kubernetes ignores it; the pod's startup/readiness/liveness probes call
# /health/live and /health/ready (k8s/base/server-deployment.yaml).

# The console's htmx and Chart.js, pinned by src/CityPass.Server/package-lock.json.
FROM node:22-bookworm-slim AS console-libs
WORKDIR /src/src/CityPass.Server
COPY src/CityPass.Server/package.json src/CityPass.Server/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/CityPass.Core/CityPass.Core.csproj src/CityPass.Core/
COPY src/CityPass.Server/CityPass.Server.csproj src/CityPass.Server/
RUN dotnet restore src/CityPass.Server/CityPass.Server.csproj
COPY src/CityPass.Core/ src/CityPass.Core/
COPY src/CityPass.Server/ src/CityPass.Server/
# With node_modules present the project's own `npm ci` step is skipped (the SDK image has no Node).
COPY --from=console-libs /src/src/CityPass.Server/node_modules/ src/CityPass.Server/node_modules/
RUN dotnet publish src/CityPass.Server -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# Served under /lib from the content root (src/CityPass.Server/Site/PageHosting.cs); not part of publish.
COPY --from=console-libs /src/src/CityPass.Server/node_modules/htmx.org/dist/ node_modules/htmx.org/dist/
COPY --from=console-libs /src/src/CityPass.Server/node_modules/chart.js/dist/ node_modules/chart.js/dist/
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_NOLOGO=1
# 8080: HTTP (API, pages, console, /health/*); 11111: the Orleans silo port (Orleans:SiloPort).
EXPOSE 8080 11111
# The image's non-root `app` user, by number so Kubernetes' runAsNonRoot can check it.
USER 1654
ENTRYPOINT ["dotnet", "CityPass.Server.dll"]
