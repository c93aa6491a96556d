namespace CityPass.Redis; internal static class Placeholder { }
