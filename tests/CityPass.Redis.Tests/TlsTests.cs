using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CityPass.Redis.Tests.Infrastructure;

namespace CityPass.Redis.Tests;

/// <summary>A redis-server with a TLS port and a throwaway self-signed certificate.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly int _tlsPort = RedisServer.FreePort();
    private readonly string _directory = Directory.CreateTempSubdirectory("citypass-redis-tls").FullName;
    private X509Certificate2 _certificate = null!;
    private RedisServer _server = null!;

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = Path.Combine(_directory, "redis.crt");
        var keyFile = Path.Combine(_directory, "redis.key");
        await File.WriteAllTextAsync(certFile, _certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());

        _server = await RedisServer.StartAsync(
            "--tls-port", _tlsPort.ToString(CultureInfo.InvariantCulture), "--tls-cert-file", certFile, "--tls-key-file", keyFile,
            "--tls-ca-cert-file", certFile, "--tls-auth-clients", "no");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task CommandsRunOverTlsWhenTheCertificateIsTrusted()
    {
        var options = RedisOptions.Parse($"127.0.0.1:{_tlsPort},ssl=true,sslHost=localhost");
        options.CertificateValidation = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == _certificate.GetCertHashString();
        await using var client = await RedisClient.ConnectAsync(options);

        await client.SetAsync("tls:key", "secret-free value");

        Assert.Equal("secret-free value", await client.GetAsync("tls:key"));
        Assert.Equal(_tlsPort, client.EndPoint?.Port);
    }

    [Fact]
    public async Task UntrustedCertificateFailsTheConnection() =>
        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisClient.ConnectAsync($"127.0.0.1:{_tlsPort},ssl=true,sslHost=localhost,connectTimeout=3000"));
}
