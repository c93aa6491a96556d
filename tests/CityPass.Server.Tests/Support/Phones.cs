namespace CityPass.Server.Tests.Support;

/// <summary>The demo citizens' phones (see DemoData).</summary>
public static class Phones
{
    public const string ZhangGreen = "+8613800000001";
    public const string LiYellow = "+8613800000002";
    public const string WangRed = "+8613800000003";
    public const string JohnGreen = "+8613800000004";
}
