using System.Diagnostics;

namespace CityPass.Testing;

/// <summary>
/// A throwaway self-signed certificate for <c>localhost</c> / 127.0.0.1 made with the openssl CLI, as an
/// operator would make one for a redis-server's tls-port; deleted on dispose.
/// </summary>
public sealed class SelfSignedCertificate : IDisposable
{
    private SelfSignedCertificate(string directory, string fingerprint)
    {
        Directory = directory;
        Sha256Fingerprint = fingerprint;
    }

    public string Directory { get; }

    public string CertificateFile => Path.Combine(Directory, "redis.crt");

    public string KeyFile => Path.Combine(Directory, "redis.key");

    /// <summary>As <c>openssl x509 -fingerprint -sha256</c> prints it: upper-case hex pairs joined by colons.</summary>
    public string Sha256Fingerprint { get; }

    public static async Task<SelfSignedCertificate> CreateAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("citypass-tls-").FullName;
        await OpenSslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", Path.Combine(directory, "redis.key"), "-out", Path.Combine(directory, "redis.crt"));
        // "sha256 Fingerprint=AB:CD:..." (the label's case differs between openssl versions).
        var printed = await OpenSslAsync("x509", "-noout", "-fingerprint", "-sha256", "-in", Path.Combine(directory, "redis.crt"));
        return new SelfSignedCertificate(directory, printed[(printed.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim());
    }

    private static async Task<string> OpenSslAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (process.ExitCode != 0) throw new InvalidOperationException($"openssl {arguments[0]} failed: {await error}");
        return await output;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
