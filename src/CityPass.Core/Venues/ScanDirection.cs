namespace CityPass.Core.Venues;

public enum ScanDirection : byte
{
    In = 0,
    Out = 1,
}
