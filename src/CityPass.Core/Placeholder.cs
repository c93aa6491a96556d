namespace CityPass.Core; internal static class Placeholder { }
