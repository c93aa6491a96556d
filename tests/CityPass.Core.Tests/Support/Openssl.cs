using System.Diagnostics;
using System.Formats.Asn1;
using System.Numerics;

namespace CityPass.Core.Tests.Support;

/// <summary>Runs the openssl command line in a scratch folder: the independent implementation our signatures are checked against.</summary>
public sealed class Openssl : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("citypass-openssl-").FullName;

    public string Path(string name) => System.IO.Path.Combine(Dir, name);

    public (int ExitCode, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = Dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    public string RunOk(params string[] args)
    {
        var (code, output) = Run(args);
        Assert.True(code == 0, $"openssl {string.Join(' ', args)} failed ({code}): {output}");
        return output;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    /// <summary>r || s (what a pass carries) to DER SEQUENCE { INTEGER r, INTEGER s } (what OpenSSL reads).</summary>
    public static byte[] ToDer(ReadOnlySpan<byte> rs)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new BigInteger(rs[..32], isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(new BigInteger(rs[32..], isUnsigned: true, isBigEndian: true));
        }
        return writer.Encode();
    }

    /// <summary>DER (what OpenSSL writes) to r || s, each left-padded to 32 bytes.</summary>
    public static byte[] FromDer(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var result = new byte[64];
        Write(reader.ReadInteger(), result.AsSpan(0, 32));
        Write(reader.ReadInteger(), result.AsSpan(32, 32));
        return result;

        static void Write(BigInteger value, Span<byte> destination)
        {
            var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
            bytes.CopyTo(destination[(32 - bytes.Length)..]);
        }
    }
}
