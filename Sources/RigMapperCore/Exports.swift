// Everything that runs adapters sees the adapter API too.
@_exported import MapperKit
