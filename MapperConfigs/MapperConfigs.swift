// The YAML files in this folder are embedded into the binary at build time by the EmbedConfigs plugin
// (generated type `EmbeddedMapperConfigs`). This file exists so SwiftPM keeps the folder as a target and
// tracks added and removed configs.
