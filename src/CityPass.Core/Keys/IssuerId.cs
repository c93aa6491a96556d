using System.Globalization;

namespace CityPass.Core.Keys;

/// <summary>
/// The city that issued a pass: its six-digit administrative division code (GB/T 2260), e.g.
/// 310000 for Shanghai, 330100 for Hangzhou. Four bytes in the token.
/// </summary>
public readonly record struct IssuerId(uint Code)
{
    public override string ToString() => Code.ToString(CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out IssuerId issuer)
    {
        var ok = uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is > 0 and <= 999_999;
        issuer = ok ? new IssuerId(code) : default;
        return ok;
    }
}
