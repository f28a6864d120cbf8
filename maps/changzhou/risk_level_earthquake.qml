<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="paletted" band="1" opacity="1" alphaBand="-1" nodataColor="">
      <rasterTransparency/>
      <colorPalette>
        <paletteEntry value="1" color="#bd0026" alpha="255" label="I 高 (highest)"/>
        <paletteEntry value="2" color="#f03b20" alpha="255" label="II 较高"/>
        <paletteEntry value="3" color="#fd8d3c" alpha="255" label="III 中"/>
        <paletteEntry value="4" color="#fecc5c" alpha="255" label="IV 较低"/>
        <paletteEntry value="5" color="#ffffb2" alpha="255" label="V 低 (lowest)"/>
      </colorPalette>
    </rasterrenderer>
  </pipe>
</qgis>
