namespace CityPass.Core.Keys;

/// <summary>The public-key signature of a pass. The numeric values are part of the token format (v1).</summary>
public enum SignatureSuite : byte
{
    /// <summary>ECDSA over P-256 with SHA-256, signature as r || s (64 bytes).</summary>
    Es256 = 1,

    /// <summary>SM2 with SM3 (GB/T 32918, GB/T 32905), default distinguishing ID, signature as r || s (64 bytes).</summary>
    Sm2Sm3 = 2,
}

public static class SignatureSuiteExtensions
{
    public static string ToWireName(this SignatureSuite suite) => suite switch
    {
        SignatureSuite.Es256 => "ES256",
        SignatureSuite.Sm2Sm3 => "SM2-SM3",
    };

    public static bool TryParseWireName(string? name, out SignatureSuite suite)
    {
        switch (name?.Trim().ToUpperInvariant())
        {
            case "ES256": suite = SignatureSuite.Es256; return true;
            case "SM2-SM3" or "SM2": suite = SignatureSuite.Sm2Sm3; return true;
            default: suite = default; return false;
        }
    }

    internal static bool IsDefined(byte value) => value is (byte)SignatureSuite.Es256 or (byte)SignatureSuite.Sm2Sm3;
}
