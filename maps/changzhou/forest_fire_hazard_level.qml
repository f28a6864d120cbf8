<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="paletted" band="1" opacity="1" alphaBand="-1" nodataColor="">
      <rasterTransparency/>
      <colorPalette>
        <paletteEntry value="1" color="#bd0026" alpha="255" label="1 very high 极高"/>
        <paletteEntry value="2" color="#f03b20" alpha="255" label="2 high 高"/>
        <paletteEntry value="3" color="#fd8d3c" alpha="255" label="3 medium 中"/>
        <paletteEntry value="4" color="#fecc5c" alpha="255" label="4 low 低"/>
      </colorPalette>
    </rasterrenderer>
  </pipe>
</qgis>
